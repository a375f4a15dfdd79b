"""Concurrent ledger writes over moto, serialised as DynamoDB applies them."""

from __future__ import annotations

from typing import Any

import pytest


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
