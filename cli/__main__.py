"""``python -m cli token --role admin``: mint an admin bearer token for local use.

The signing key is ``ADMIN_JWT_SECRET`` from the environment (the local stack prints how
to get it). Tokens are short-lived; the role decides what the bearer may do.

``python -m cli doctor --stage prod``: the pre-flight checks before going live (gettoken,
a WeCom call from the stage's egress IP, the callback's echo, the domain verification file,
secrets, the console, the bucket), each failure with its fix; ``--stage local`` (the
default) checks the local stack (a running one, or an ephemeral one started for it).

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
    token.add_argument("--ttl", type=int, default=3600, help="seconds until it expires")
    sync = commands.add_parser("sync-contacts", help="import the customers of some staff")
    sync.add_argument("--staff", required=True, help="comma-separated staff userids")
    sync.add_argument("--pages-per-step", type=int, default=5, help="pages of 100 per step")
    sync.add_argument("--restart", action="store_true", help="begin again from the start")
    doctor = commands.add_parser("doctor", help="pre-flight checks before going live")
    doctor.add_argument("--stage", default="local", help="a deployed stage, or local (the default)")
    args = parser.parse_args(argv)

    if args.command == "token":
        from chalicelib.auth.tokens import mint

        print(mint(args.subject, args.role, ttl_s=args.ttl))
    elif args.command == "doctor":
        from cli.doctor import main as doctor_main

        return doctor_main(args.stage)
    elif args.command == "sync-contacts":
        return _sync_contacts(args.staff, args.pages_per_step, args.restart)
    return 0


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
