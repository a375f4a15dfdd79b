"""The reports keep the daily counters the contacts and groups announce: one transaction
per add on one of a day's shards, reads summing the shards, a group's joins on its own row
and on the day's ``groups`` row, each once however often the signal is heard."""

from __future__ import annotations

from chalicelib.reports import handlers, queries, store
from chalicelib.signals import ContactAdded, GroupChanged
from chalicelib.wecom.events import ChatChange, ContactChange
from tests.integration.reports.conftest import at

DAY = "2026-05-04"


def added(n: int, state: str = "lc:spring:poster") -> ContactAdded:
    event = ContactChange.model_validate(
        {
            "key": f"add-{n}",
            "ChangeType": "add_external_contact",
            "UserID": f"staff{n % 3}",
            "ExternalUserID": f"wm{n:04d}",
            "State": state,
            "CreateTime": at(f"{DAY} 10:00"),
        }
    )
    return ContactAdded(f"add-{n}", event, None)


def test_adds_spread_over_the_days_shards_and_are_read_as_one_sum(aws: None) -> None:
    from benchmarks.requests import counting

    with counting() as tally:
        handlers.on_contact_added(added(0))
    writes = [c for c in tally.calls if c.operation == "TransactWriteItems"]
    assert len(writes) == 1  # marker and three counters in one transaction
    daily = {k for _, k in writes[0].written_keys if k.startswith("day#")}
    assert daily == {store.day_key(DAY, store.shard_of("add-0#add"))}

    for n in range(1, 40):
        handlers.on_contact_added(added(n))
        handlers.on_contact_added(added(n))  # heard again: counted once
    assert queries.day_counters(DAY, "channel#poster") == {"adds": 40}
    assert queries.day_counters(DAY, "staff#staff1") == {"adds": 13}
    assert queries.code_counters(DAY, "spring") == {"poster": {"adds": 40}}
    assert store.day_rows(DAY)["code#spring#poster"] == {"adds": 40}
    shards = {store.shard_of(f"add-{n}#add") for n in range(40)}
    assert len(shards) > 8  # a busy day's writes are spread, not on one key


def test_a_groups_joins_are_kept_on_its_row_and_the_days_groups_row(aws: None) -> None:
    event = ChatChange.model_validate(
        {
            "key": "chat-1",
            "ChatId": "wrChat9",
            "ChangeType": "update",
            "UpdateDetail": "add_member",
            "JoinScene": "3",
            "MemChangeList": ["wmA", "wmB"],
            "CreateTime": at(f"{DAY} 23:30"),  # the next day in UTC
        }
    )
    for _ in range(3):
        handlers.on_group_changed(GroupChanged("chat-1", event))
    assert queries.group_days("wrChat9", [DAY]) == {DAY: {"joins": 2, "join_qr": 2}}
    assert store.day_rows(DAY)["groups"] == {"joins": 2}
    assert not any(dim.startswith("group#") for dim in store.day_rows(DAY))
