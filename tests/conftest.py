"""Fixtures shared by every tier: a safe environment, WeCom test credentials, moto."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

# moto hooks into every botocore session made after its import. Imported before anything
# else: the botocore session kept from test to test (below) must be one moto can mock, and
# a unit test in the same process may make the process's first session before any moto test.
import moto.core.models  # noqa: F401
import pytest

ROOT = Path(__file__).resolve().parents[1]

CORP_ID = "ww0123456789abcdef"
TOKEN = "T0kenForTests"
AES_KEY = base64.b64encode(hashlib.sha256(b"scrm-tests").digest()).decode().rstrip("=")
AGENT_ID = "1000002"

TEST_ENV = {
    "AWS_DEFAULT_REGION": "ap-east-1",
    "AWS_REGION": "ap-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
    "STAGE": "local",
    "TABLE_PREFIX": "scrm-test-",
    "REPORTS_BUCKET": "scrm-test-reports",
    "SECRETS_SOURCE": "env",
    "WECOM_CORP_ID": CORP_ID,
    "WECOM_AGENT_ID": AGENT_ID,
    "WECOM_TOKEN": TOKEN,
    "WECOM_ENCODING_AES_KEY": AES_KEY,
    "WECOM_SECRET": "sim-secret-for-tests",
    "ADMIN_JWT_SECRET": "admin-jwt-secret-for-tests-only-0123456789",
    "PHONE_HASH_KEY": "phone-hash-key-for-tests-only",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
}


@pytest.fixture(autouse=True, scope="session")
def _test_environment() -> Iterator[None]:
    saved = dict(os.environ)
    for name in ("DYNAMODB_ENDPOINT", "S3_ENDPOINT", "WECOM_API_BASE"):
        os.environ.pop(name, None)
    os.environ.update(TEST_ENV)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(autouse=True)
def _fresh_process_state() -> Iterator[None]:
    """Forget cached settings and clients between tests (the botocore session stays: the
    suite's credentials never change, and its parsed service models cost a second a test)."""
    from chalicelib.core.aws import reset_clients
    from chalicelib.core.settings import reset_settings
    from chalicelib.identity.credentials import forget_cached
    from chalicelib.storage.kept import forget_all
    from chalicelib.wecom.client import reset_client

    def clients() -> None:
        reset_clients(keep_session=True)

    for reset in (reset_settings, clients, reset_client, forget_cached, forget_all):
        reset()
    yield
    for reset in (reset_settings, clients, reset_client, forget_cached, forget_all):
        reset()


TIERS = ("unit", "integration", "e2e", "infra", "simulator", "fuzz", "browser")


#: Tiers whose tests share one expensive session fixture (the local stack, the CDK synth):
#: under ``pytest -n`` each runs whole on one worker (``--dist loadgroup``).
SHARED_FIXTURE_TIERS = ("e2e", "infra", "browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its tier, from the folder it lives in."""
    for item in items:
        parts = Path(str(item.fspath)).relative_to(ROOT / "tests").parts
        if parts and parts[0] in TIERS:
            item.add_marker(getattr(pytest.mark, parts[0]))
        if parts and parts[0] in SHARED_FIXTURE_TIERS:
            # a module with a stack of its own names its own group (runs beside the tier)
            group = getattr(getattr(item, "module", None), "XDIST_GROUP", parts[0])
            item.add_marker(pytest.mark.xdist_group(group))
