"""Deployment settings and the packaging guard, without synthesizing the app."""

from __future__ import annotations

import aws_cdk as cdk
import chalice.api
import pytest

from infra.app import parse_context
from infra.config import DeploymentConfig
from infra.stacks.chalice_app import CheckedChalice, PackagingError

pytestmark = pytest.mark.infra


def test_defaults_to_dev() -> None:
    config = DeploymentConfig.from_context(cdk.App().node)
    assert config.stage == "dev"
    assert config.prefix == "scrm-dev-"
    assert (config.data_stack_name, config.api_stack_name) == ("scrm-dev-data", "scrm-dev-api")
    assert config.secret_name == "scrm/dev/wecom"
    assert config.alarm_email is None


def test_reads_context() -> None:
    app = cdk.App(context={"stage": "prod", "agent_id": "1000002", "tracing": "true"})
    config = DeploymentConfig.from_context(app.node)
    assert (config.stage, config.agent_id, config.tracing) == ("prod", "1000002", True)


def test_reads_the_console_origin_for_sign_in() -> None:
    app = cdk.App(context={"console_url": "https://scrm.example.com/"})
    assert DeploymentConfig.from_context(app.node).console_url == "https://scrm.example.com"


@pytest.mark.parametrize(
    "bad",
    [
        {"stage": "Prod"},
        {"stage": "a" * 21},
        {"agent_id": "x1"},
        {"log_retention_days": "8"},
        {"console_url": "http://scrm.example.com"},
    ],
)
def test_rejects_bad_context(bad: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        DeploymentConfig.from_context(cdk.App(context=bad).node)


def test_parses_dash_c_arguments() -> None:
    assert parse_context(["-c", "stage=prod", "--context", "corp_id=a=b"]) == {
        "stage": "prod",
        "corp_id": "a=b",
    }


def test_missing_lambda_wheels_fail_the_synth(monkeypatch: pytest.MonkeyPatch) -> None:
    def package_app(**_: object) -> None:
        print("\nCould not install dependencies:\nsomething==1.0\n")

    monkeypatch.setattr(chalice.api, "package_app", package_app)
    stack = cdk.Stack(cdk.App(), "probe")
    with pytest.raises(PackagingError, match=r"something==1\.0"):
        CheckedChalice(stack, "Chalice", source_dir=".")


def test_going_live_defaults() -> None:
    config = DeploymentConfig.from_context(cdk.App().node)
    assert config.egress == "nat-gateway"
    assert config.public_base_url is None and config.console_origin is None
    assert (config.callback_concurrency, config.public_concurrency) == (10, 50)


def test_domains_give_the_link_and_console_bases() -> None:
    app = cdk.App(
        context={
            "api_domain": "go.example.com",
            "console_domain": "scrm.example.com",
            "console_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/ab-12",
            "egress": "nat-instance",
        }
    )
    config = DeploymentConfig.from_context(app.node)
    assert config.public_base_url == "https://go.example.com"
    assert config.console_origin == "https://scrm.example.com"
    assert config.egress == "nat-instance"


@pytest.mark.parametrize(
    "bad",
    [
        {"egress": "none"},
        {"api_domain": "Go.Example.com"},
        {"api_domain": "javascript://x"},
        {"console_domain": "scrm.example.com"},  # no certificate
        {
            "console_domain": "scrm.example.com",
            "console_certificate_arn": "arn:aws:acm:ap-east-1:123456789012:certificate/ab",
        },
        {"hosted_zone_id": "Z1"},
        {"wecom_verify_file": "verify.txt", "wecom_verify_content": "abc"},
        {"wecom_verify_file": "WW_verify_abc.txt"},
        {"callback_concurrency": "0"},
        {"scan_rate_limit": "5"},
        {"throttle_rate": "x"},
    ],
)
def test_rejects_bad_going_live_context(bad: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        DeploymentConfig.from_context(cdk.App(context=bad).node)
