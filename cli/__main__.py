"""``python -m cli token --role admin``: mint an admin bearer token for local use.

The signing key is ``ADMIN_JWT_SECRET`` from the environment (the local stack prints how
to get it). Tokens are short-lived; the role decides what the bearer may do.
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
    args = parser.parse_args(argv)

    if args.command == "token":
        from chalicelib.auth.tokens import mint

        print(mint(args.subject, args.role, ttl_s=args.ttl))
    return 0


if __name__ == "__main__":
    sys.exit(main())
