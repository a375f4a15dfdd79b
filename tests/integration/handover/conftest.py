"""Handover over moto, with an in-memory WeCom and contact writes recorded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.wecom.client import use_client
from tests.support.fake_group_world import FakeGroupWorld


@pytest.fixture
def world(aws: None) -> Iterator[FakeGroupWorld]:
    fake = FakeGroupWorld()
    use_client(fake)  # type: ignore[arg-type]
    yield fake


@pytest.fixture
def upserts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Contacts written by the initial sync: (external_userid, follower userid)."""
    from chalicelib.handover import service

    written: list[tuple[str, str]] = []

    def upsert(external_contact: Any, follow_users: list[Any]) -> None:
        [follow] = follow_users
        written.append((external_contact["external_userid"], follow["userid"]))

    monkeypatch.setattr(service, "upsert_contact", upsert)
    return written
