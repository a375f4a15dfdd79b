"""Webhook secrets in the environment and a fake WeCom, over moto's tables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.fake_wecom_api import FakeWeComApi
from tests.support.orders import WEBHOOK_ENV


@pytest.fixture(autouse=True)
def _webhook_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in WEBHOOK_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def wecom(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeComApi]:
    from chalicelib.wecom.client import use_client
    from chalicelib.welcome import service as welcome_service

    fake = FakeWeComApi()
    use_client(fake)  # type: ignore[arg-type]
    monkeypatch.setattr(welcome_service, "sleep", lambda seconds: None)
    yield fake


@pytest.fixture
def atomic_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB applies each write (and each transaction) atomically; moto checks and writes
    without a lock, so threads can interleave inside one call. Serialise its calls, as the
    real service behaves (the e2e tier runs concurrent redemptions on DynamoDB Local)."""
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
