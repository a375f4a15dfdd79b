"""The CDK app: the data stack ``scrm-<stage>-data`` and the API stack ``scrm-<stage>-api``.

Run by the CDK CLI (``cdk synth`` / ``cdk deploy`` from this folder) or directly with
``python app.py -c stage=prod -c corp_id=... -c agent_id=...``. Context keys: see
:mod:`infra.config`. The account and region come from the CDK CLI's environment
(``CDK_DEFAULT_ACCOUNT``/``CDK_DEFAULT_REGION``); packaging needs ``AWS_DEFAULT_REGION``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

import aws_cdk as cdk  # noqa: E402

from infra.config import DeploymentConfig  # noqa: E402
from infra.stacks.api import ApiStack, DataResources  # noqa: E402
from infra.stacks.stateful import StatefulStack  # noqa: E402


def build_app(
    context: Mapping[str, str] | None = None,
    outdir: str | None = None,
    project_dir: Path = PROJECT_DIR,
) -> tuple[cdk.App, StatefulStack, ApiStack]:
    """Create the app and both stacks (this packages the Chalice project)."""
    app = cdk.App(context=dict(context or {}), outdir=outdir)
    config = DeploymentConfig.from_context(app.node)
    env = cdk.Environment(
        account=os.environ.get("CDK_DEFAULT_ACCOUNT"),
        region=os.environ.get("CDK_DEFAULT_REGION"),
    )
    tags = {"app": "scrm", "stage": config.stage}

    data = StatefulStack(
        app,
        config.data_stack_name,
        config=config,
        env=env,
        description=f"SCRM {config.stage}: tables, report bucket, WeCom secret, egress IP",
        termination_protection=config.stage == "prod",
        tags=tags,
    )
    api = ApiStack(
        app,
        config.api_stack_name,
        config=config,
        data=DataResources(
            tables=dict(data.tables),
            reports_bucket=data.reports_bucket,
            wecom_secret=data.wecom_secret,
            egress_allocation_id=data.egress_ip.attr_allocation_id,
            egress_ip=data.egress_ip.attr_public_ip,
        ),
        project_dir=project_dir,
        env=env,
        description=f"SCRM {config.stage}: functions, VPC egress, API edge, console, alarms",
        tags=tags,
    )
    return app, data, api


def parse_context(argv: Sequence[str]) -> dict[str, str]:
    """``-c key=value`` arguments, for running this file without the CDK CLI."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-c", "--context", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    pairs = [item.split("=", 1) for item in args.context]
    if any(len(pair) != 2 for pair in pairs):
        parser.error("context arguments look like key=value")
    return {key: value for key, value in pairs}


def main(argv: Sequence[str] | None = None) -> None:
    context = parse_context(sys.argv[1:] if argv is None else argv)
    # The CDK CLI names the output folder itself; run directly, write to infra/cdk.out.
    outdir = None if os.environ.get("CDK_OUTDIR") else str(Path(__file__).parent / "cdk.out")
    app, _, _ = build_app(context, outdir=outdir)
    app.synth()


if __name__ == "__main__":
    main()
