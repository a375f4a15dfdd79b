"""``make doctor``: the pre-flight passes against the local stack, and names the fix when
WeCom refuses the stage's IP (60020) or the trusted domain lacks its verification file."""

from __future__ import annotations

from typing import Any

import pytest

from cli import doctor
from local_stack import LocalStack
from local_stack.stack import serve_verify_file


@pytest.fixture
def deployed(stack: LocalStack, sim: str) -> LocalStack:
    """The stack as a deploy leaves it: the verification file served at the domain root."""
    serve_verify_file(stack.config)
    return stack


def test_doctor_passes_against_the_local_stack(deployed: LocalStack) -> None:
    report = doctor.run(doctor.local_target(deployed.config))
    assert report.ok, report.render()
    names = [r.name for r in report.results]
    assert names == ["secrets", "gettoken", "egress", "callback", "domain", "console", "bucket"]
    assert "ready to go live" in report.render()


def test_doctor_fails_on_60020_and_says_to_trust_the_egress_ip(
    deployed: LocalStack, sim: str, http: Any
) -> None:
    status, _ = http("POST", f"{sim}/_sim/trusted-ip", {"trusted": False})
    assert status == 200
    try:
        report = doctor.run(doctor.local_target(deployed.config))
    finally:
        http("POST", f"{sim}/_sim/trusted-ip", {"trusted": True})
    assert not report.ok
    failed = report.failed("egress")
    assert failed is not None, report.render()
    assert "60020" in failed.detail
    assert "企业可信IP" in failed.fix and "127.0.0.1" in failed.fix
    # gettoken still works from an untrusted IP, as in WeCom: only the API call fails.
    assert report.failed("gettoken") is None
    rendered = report.render()
    assert "[FAIL] egress" in rendered and "fix: WeCom admin console" in rendered


def test_doctor_fails_without_the_verification_file_and_says_how_to_deploy_it(
    deployed: LocalStack, sim: str, http: Any
) -> None:
    status, _ = http("DELETE", f"{sim}/_sim/domain-verification")
    assert status == 200
    report = doctor.run(doctor.local_target(deployed.config))
    assert not report.ok
    failed = report.failed("domain")
    assert failed is not None, report.render()
    assert "404" in failed.detail
    assert "WW_verify_localstack.txt" in failed.fix and "wecom_verify_file" in failed.fix
    assert report.failed("egress") is None


def test_doctor_fails_with_a_short_signing_key(deployed: LocalStack) -> None:
    from dataclasses import replace

    target = doctor.local_target(deployed.config)
    weak = replace(target, secrets={**target.secrets, "ADMIN_JWT_SECRET": "too-short"})
    failed = doctor.run(weak).failed("secrets")
    assert failed is not None
    assert "ADMIN_JWT_SECRET" in failed.detail and "at least 32" in failed.detail
    assert "too-short" not in failed.detail + failed.fix
