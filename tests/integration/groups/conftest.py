"""Groups over moto, with an in-memory WeCom and the customers' timeline recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from chalicelib.wecom.client import use_client
from chalicelib.wecom.events import ChatChange
from tests.support.fake_group_world import FakeGroupWorld


@pytest.fixture
def world(aws: None) -> Iterator[FakeGroupWorld]:
    fake = FakeGroupWorld()
    use_client(fake)  # type: ignore[arg-type]
    yield fake


@pytest.fixture
def timeline(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """Timeline writes of the groups context: (external_userid, kind, event_key)."""
    from chalicelib.groups import handlers

    written: list[tuple[str, str, str]] = []

    def record(external_userid: str, kind: str, at: datetime, detail: Any, event_key: str) -> None:
        assert at.tzinfo is not None
        assert detail["chat_id"]
        written.append((external_userid, kind, event_key))

    monkeypatch.setattr(handlers, "record_member_timeline", record)
    return written


def chat_event(key: str, chat_id: str, change_type: str = "update", **fields: Any) -> ChatChange:
    return ChatChange.model_validate(
        {
            "key": key,
            "ChatId": chat_id,
            "ChangeType": change_type,
            "CreateTime": 1_700_000_100,
            **fields,
        }
    )
