"""Synthesize the CDK app once per session (it packages the Chalice project with pip)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aws_cdk.assertions import Template

ROOT = Path(__file__).resolve().parents[2]

CONTEXT = {
    "stage": "qa",
    "corp_id": "ww0123456789abcdef",
    "agent_id": "1000002",
    "alarm_email": "alerts@example.com",
    "api_domain": "go.example.com",
    "console_domain": "scrm.example.com",
    "console_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f",
    "hosted_zone_id": "Z0123456789ABC",
    "hosted_zone_name": "example.com",
    "wecom_verify_file": "WW_verify_AbC123xYz.txt",
    "wecom_verify_content": "AbC123xYz",
}
#: The small brand's option: a NAT instance, no custom domain.
SMALL_CONTEXT = {
    "stage": "small",
    "corp_id": "ww0123456789abcdef",
    "agent_id": "1000002",
    "egress": "nat-instance",
}
SYNTH_ENV = {
    "AWS_DEFAULT_REGION": "ap-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}

_timings: dict[str, float] = {}


@dataclass(frozen=True)
class Synthesized:
    data: Template
    api: Template
    function_ids: tuple[str, ...]
    #: The Lambda package (deployment.zip) every Chalice function of the API stack runs.
    package: Path


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    """Both stacks' templates with a NAT gateway and every domain, synthesized from the
    real project directory (without ``console/dist``: a placeholder page is deployed)."""
    yield _synthesize(tmp_path_factory, CONTEXT, "synth")


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    """The NAT-instance configuration without domains."""
    yield _synthesize(tmp_path_factory, SMALL_CONTEXT, "synth (nat-instance)")


def _synthesize(
    tmp_path_factory: pytest.TempPathFactory, context: dict[str, str], label: str
) -> Synthesized:
    from infra.app import build_app

    work = tmp_path_factory.mktemp("cdk")
    # Packaging applies the stage's environment variables to this process: restore it all.
    saved_env = dict(os.environ)
    saved_cwd = Path.cwd()
    os.environ.update(SYNTH_ENV)
    # The Chalice construct writes its package under ./chalice.out: keep it out of the repo.
    os.chdir(work)
    try:
        started = time.perf_counter()
        # The directory function's layer, prebuilt (synth would pip-install DuckDB and pyarrow).
        layer = work / "directory-layer"
        (layer / "python").mkdir(parents=True)
        context = {**context, "directory_layer_dir": str(layer)}
        _, data, api = build_app(context, outdir=str(work / "cdk.out"), project_dir=ROOT)
        result = Synthesized(
            data=Template.from_stack(data),
            api=Template.from_stack(api),
            function_ids=api.function_ids,
            package=api.chalice.package_path,
        )
        _timings[label] = time.perf_counter() - started
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return result


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for label, seconds in _timings.items():
        terminalreporter.write_line(f"CDK {label} (incl. Chalice packaging): {seconds:.1f}s")
