"""Group members that no callback announced (a lost join, a lost leave) reach the directory
when the groups' reconcile finds them: it publishes ``GroupMembersChanged`` for exactly
the customers it found joined or gone, and the next refresh folds them."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

import pytest

from chalicelib import signals
from chalicelib.directory import readmodel
from chalicelib.directory.columns import Row
from chalicelib.directory.compiler import EVERYONE
from chalicelib.directory.engine import get_engine
from chalicelib.directory.models import Filter
from chalicelib.groups import queries as groups
from chalicelib.groups import service
from chalicelib.wecom.client import use_client
from tests.support.directory import put_base, row
from tests.support.fake_group_world import FakeGroupWorld


@pytest.fixture
def world(aws: None) -> Iterator[FakeGroupWorld]:
    fake = FakeGroupWorld()
    use_client(fake)  # type: ignore[arg-type]
    yield fake


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """The member ids of every ``GroupMembersChanged`` published (still delivered)."""
    heard: list[tuple[str, ...]] = []
    publish = signals.publish

    def record(signal: signals.Signal) -> None:
        if isinstance(signal, signals.GroupMembersChanged):
            heard.append(signal.member_ids)
        publish(signal)

    monkeypatch.setattr(signals, "publish", record)
    return heard


def _with_groups(ids: Sequence[str], version: int) -> list[Row]:
    """Rows whose groups are what the groups context answers now."""
    return [row(int(i[2:]), contact_id=i, groups=groups.groups_of(i), version=version) for i in ids]


def _in_group(chat_id: str) -> int:
    engine = get_engine()
    engine.checked_at = 0.0
    answer = engine.count(Filter.model_validate({"groups": [chat_id]}), EVERYONE, int(time.time()))
    return int(answer["count"])


def test_members_the_reconcile_finds_joined_or_gone_reach_the_directory(
    world: FakeGroupWorld, told: list[tuple[str, ...]]
) -> None:
    put_base([row(n) for n in range(10)])
    world.create_group("wrFans")
    world.join("wrFans", "wm000001", "wm000002")
    service.reconcile()  # the group's first refresh: both customers are new to the mirror
    assert told == [("wm000001", "wm000002")]
    readmodel.refresh(loader=_with_groups)
    assert _in_group("wrFans") == 2

    world.leave("wrFans", "wm000001")  # neither callback ever arrives
    world.join("wrFans", "wm000003", "lisi")  # a staff member is no customer of the directory
    readmodel.refresh(loader=_with_groups)  # nothing announced: nothing to fold
    assert _in_group("wrFans") == 2

    service.reconcile()
    assert told[1:] == [("wm000001", "wm000003")]  # who left, who joined; not the staff
    readmodel.refresh(loader=_with_groups)
    assert _in_group("wrFans") == 2
    engine = get_engine()
    found = engine.ids(
        Filter.model_validate({"groups": ["wrFans"]}), EVERYONE, 0, after=None, limit=10
    )
    assert [m[0] for m in found["members"]] == ["wm000002", "wm000003"]


def test_a_reconcile_that_finds_nothing_new_publishes_nothing(
    world: FakeGroupWorld, told: list[tuple[str, ...]]
) -> None:
    world.create_group("wrQuiet")
    world.join("wrQuiet", "wm000001")
    service.reconcile()
    service.reconcile()  # the same members as the mirror holds
    assert told == [("wm000001",)]
