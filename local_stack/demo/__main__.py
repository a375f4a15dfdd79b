"""``make demo`` (``python -m local_stack.demo``): the local stack, end to end over real
HTTP, the story told chapter by chapter, then a clean shutdown."""

from __future__ import annotations

import sys

from local_stack.demo.client import Demo
from local_stack.demo.live_codes import live_codes
from local_stack.demo.one_customer import one_customer
from local_stack.demo.orders_and_points import orders_and_points
from local_stack.demo.screening_and_report import daily_report
from local_stack.demo.welcome_sop import welcome_sop
from local_stack.processes import StartupError
from local_stack.stack import ROOT, LocalStack, StackConfig


def tell(demo: Demo) -> None:
    """Every chapter in order (each numbers its steps after the one before)."""
    one_customer(demo)  # steps 1-9
    live_codes(demo)  # 10-12
    welcome_sop(demo, first_step=13)
    orders_and_points(demo, first_step=16)
    daily_report(demo, first_step=22)
    print("\nWhere to look:")
    print(demo.stack.describe())


def main() -> int:
    config = StackConfig.ephemeral(log_dir=ROOT / "var" / "log" / "demo")
    print(
        "Starting the local stack (DynamoDB Local, S3, WeCom simulator, chalice local)…", flush=True
    )
    try:
        with LocalStack(config) as stack:
            tell(Demo(stack))
    except StartupError as error:
        print(f"the local stack did not start: {error}", file=sys.stderr)
        return 1
    print("\nDemo finished; every service has been stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
