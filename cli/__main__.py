"""``python -m cli token --role admin``: mint an admin bearer token for local use.

The signing key is ``ADMIN_JWT_SECRET`` from the environment (the local stack prints how
to get it). Tokens live a day at most (``--ttl`` in seconds, 3600 by default); the role
and the data scope (``--scope all|own|departments --departments 1,2``; all by default)
decide what the bearer may do and see.

``python -m cli users grant zhangsan --role admin [--scope all|own|departments
--departments 1,2]``: give a WeCom member access (the first admin is made this way; after
that admins use ``PUT /admin/people/{userid}``). ``users revoke zhangsan`` ends their
access and sessions; ``users list`` shows everyone granted. These write the identity table
of the stage the environment names (same variables as ``sync-contacts`` below).

``python -m cli sync-contacts --staff zhangsan,lisi``: import the existing customers of
those staff, step by step until done, with a progress bar. It runs the
sync in this process against the stage its environment names, and resumes a run that
stopped. For the local stack, take the app's environment: ``AWS_REGION``,
``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` (any value), ``TABLE_PREFIX``,
``DYNAMODB_ENDPOINT``, ``WECOM_API_BASE`` (the simulator), ``WECOM_CORP_ID``,
``WECOM_AGENT_ID``, ``WECOM_SECRET`` and ``SECRETS_SOURCE=env``.
"""

from __future__ import annotations

import argparse
import sys

from chalicelib.auth.roles import ROLES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser("token", help="mint an admin bearer token")
    token.add_argument("--role", choices=ROLES, default="viewer")
    token.add_argument("--subject", default="local-operator", help="who the token names")
    token.add_argument(
        "--ttl", type=int, default=3600, help="seconds until it expires (at most 86400)"
    )
    _scope_arguments(token, default="all")
    users = commands.add_parser("users", help="grant, revoke and list console access")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    grant = user_commands.add_parser("grant", help="give a WeCom member a role and a scope")
    grant.add_argument("userid")
    grant.add_argument("--role", choices=ROLES, required=True)
    grant.add_argument("--name", default="", help="display name until their first sign-in")
    _scope_arguments(grant, default="own")
    revoke = user_commands.add_parser("revoke", help="end a member's access and sessions")
    revoke.add_argument("userid")
    user_commands.add_parser("list", help="everyone granted access")
    sync = commands.add_parser("sync-contacts", help="import the customers of some staff")
    sync.add_argument("--staff", required=True, help="comma-separated staff userids")
    sync.add_argument("--pages-per-step", type=int, default=5, help="pages of 100 per step")
    sync.add_argument("--restart", action="store_true", help="begin again from the start")
    args = parser.parse_args(argv)

    from chalicelib.core.errors import DomainError

    if args.command == "token":
        from chalicelib.auth.tokens import MAX_TTL_S, mint

        if not 0 < args.ttl <= MAX_TTL_S:
            parser.error(f"--ttl must be 1 to {MAX_TTL_S} seconds (a token lives a day at most)")
        try:
            departments = _departments(args.departments)
            print(
                mint(
                    args.subject,
                    args.role,
                    ttl_s=args.ttl,
                    scope=args.scope,
                    departments=departments,
                )
            )
        except ValueError as error:
            parser.error(str(error))
        except DomainError as error:
            print(f"error: {error.message}", file=sys.stderr)
            return 1
    elif args.command == "users":
        return _users(parser, args)
    elif args.command == "sync-contacts":
        return _sync_contacts(args.staff, args.pages_per_step, args.restart)
    return 0


def _scope_arguments(parser: argparse.ArgumentParser, *, default: str) -> None:
    parser.add_argument("--scope", choices=("all", "own", "departments"), default=default)
    parser.add_argument("--departments", default="", help="comma-separated WeCom department ids")


def _departments(raw: str) -> list[int]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise ValueError("--departments must be comma-separated department ids, e.g. 1,2")
    return [int(p) for p in parts]


def _users(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from chalicelib.core.errors import DomainError
    from chalicelib.identity import service
    from chalicelib.identity.models import Grant

    try:
        if args.users_command == "grant":
            grant = Grant(
                role=args.role, scope=args.scope, departments=_departments(args.departments)
            )
            person = service.grant(args.userid, grant, granted_by="cli", name=args.name)
            print(f"granted {person.userid}: {person.role}, scope {_scope_text(person.scope)}")
        elif args.users_command == "revoke":
            person = service.revoke(args.userid, by="cli")
            print(f"revoked {person.userid}")
        else:
            for person in service.people():
                print(
                    f"{person.userid}\t{person.name}\t{person.role}\t"
                    f"{_scope_text(person.scope)}\t{person.status}"
                )
    except (ValueError, ValidationError) as error:
        parser.error(
            str(error).splitlines()[-1] if isinstance(error, ValidationError) else str(error)
        )
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    return 0


def _scope_text(scope: object) -> str:
    kind = getattr(scope, "kind", "all")
    departments = getattr(scope, "departments", [])
    return f"departments {','.join(map(str, departments))}" if kind == "departments" else kind


def _sync_contacts(staff: str, pages_per_step: int, restart: bool) -> int:
    from chalicelib.core.observability import logger
    from chalicelib.handover.service import sync_contacts

    level = logger.log_level
    logger.setLevel("WARNING")  # the progress bar, not a log line per page
    try:
        userids = [s.strip() for s in staff.split(",") if s.strip()]
        while True:
            run = sync_contacts(userids, max_pages=pages_per_step, restart=restart)
            restart = False
            progress = run.progress
            print(
                progress_bar(
                    progress.done_staff, run.total_staff, progress.contacts_seen, run.more
                ),
                end="\r" if run.more and sys.stdout.isatty() else "\n",
                flush=True,
            )
            if not run.more:
                return 0
    finally:
        logger.setLevel(level)


def progress_bar(done: int, total: int, contacts: int, more: bool, width: int = 30) -> str:
    """``[##########----------]  1/2 staff  ·  1,234 contacts  syncing``."""
    filled = width if not total else round(width * min(done, total) / total)
    state = "syncing" if more else "done"
    return (
        f"[{'#' * filled}{'-' * (width - filled)}] {done}/{total} staff  ·  "
        f"{contacts:,} contacts  {state}"
    )


if __name__ == "__main__":
    sys.exit(main())
