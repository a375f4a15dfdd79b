"""``python -m wecom_simulator``: run the simulator in the foreground."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from wecom_simulator.config import SimConfig
from wecom_simulator.server import Simulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(
        prog="python -m wecom_simulator",
        description="WeCom server API and callback pushes on loopback.",
    )
    parser.add_argument("--host", default=env.get("SIM_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env.get("SIM_PORT", "8100")))
    parser.add_argument(
        "--callback-url",
        default=env.get("SIM_CALLBACK_URL"),
        help="the product's callback URL (env SIM_CALLBACK_URL)",
    )
    parser.add_argument("--corp-id", default=None, help="env WECOM_CORP_ID")
    parser.add_argument("--secret", default=None, help="env WECOM_SECRET")
    parser.add_argument("--token", default=None, help="env WECOM_TOKEN")
    parser.add_argument("--encoding-aes-key", default=None, help="env WECOM_ENCODING_AES_KEY")
    parser.add_argument("--agent-id", default=None, help="env WECOM_AGENT_ID")
    parser.add_argument(
        "--token-ttl",
        type=int,
        default=None,
        dest="token_ttl_s",
        help="access token lifetime in seconds (7200)",
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=None,
        dest="rate_limit_per_minute",
        help="calls per API per minute before 45009 (10000)",
    )
    parser.add_argument(
        "--welcome-code-ttl",
        type=float,
        default=None,
        dest="welcome_code_ttl_s",
        help="WelcomeCode validity in seconds (20)",
    )
    parser.add_argument(
        "--callback-timeout",
        type=float,
        default=None,
        dest="callback_timeout_s",
        help="delivery deadline in seconds (5)",
    )
    parser.add_argument(
        "--callback-attempts", type=int, default=None, help="deliveries per event in all (3)"
    )
    parser.add_argument("--fault-seed", type=int, default=None, help="seed of rate faults (0)")
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    overrides = {k: v for k, v in vars(args).items() if k != "verbose"}
    config = SimConfig.from_env(**overrides)
    simulator = Simulator(config)
    simulator.bind()
    logging.getLogger("wecom_simulator").info(
        "WeCom simulator on %s (corp %s, callbacks to %s)",
        simulator.base_url,
        config.corp_id,
        config.callback_url or "nowhere",
    )
    try:
        simulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
