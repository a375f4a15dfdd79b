"""Integration tier: the Chalice test client over moto's in-process AWS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ROOT


@pytest.fixture
def aws() -> Iterator[None]:
    """moto with every table and the bucket created from the shared schema."""
    from tests.support.aws import mocked_aws

    with mocked_aws():
        yield


@pytest.fixture
def client(aws: None) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local", project_dir=str(ROOT)) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def _webhook_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shops' webhook secrets, as the local stack and the stage secret provide them."""
    from tests.support.orders import WEBHOOK_ENV

    for name, value in WEBHOOK_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def wecom(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fake WeCom API in place of the product's client (no sleeping between retries)."""
    from chalicelib.wecom.client import use_client
    from chalicelib.welcome import service as welcome_service
    from tests.support.fake_wecom_api import FakeWeComApi

    fake = FakeWeComApi()
    use_client(fake)  # type: ignore[arg-type]
    monkeypatch.setattr(welcome_service, "sleep", lambda seconds: None)
    yield fake


@pytest.fixture
def atomic_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB applies each write (and each transaction) atomically; moto checks and writes
    without a lock, so threads can interleave inside one call and both pass a condition
    only one of them may pass. Serialise its calls, as the real service behaves (the e2e
    tier runs the same races against DynamoDB Local)."""
    import threading

    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in (
        "update_item",
        "put_item",
        "delete_item",
        "transact_write_items",
        "get_item",
        "query",
    ):
        original = getattr(DynamoDBBackend, name)

        def locked(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(*args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)
