"""What a group's join or leave event adds to the daily counters: by join and quit scene."""

from __future__ import annotations

from typing import Any

from chalicelib.reports.aggregates import chat_counters as counters_of
from chalicelib.wecom.events import ChatChange


def event(**fields: Any) -> ChatChange:
    data = {"key": "evt:1", "ChatId": "wrChat", "ChangeType": "update", "CreateTime": 1_700_000_000}
    return ChatChange.model_validate({**data, **fields})


def test_join_counters_follow_the_join_scene() -> None:
    qr = event(UpdateDetail="add_member", JoinScene="3", MemChangeList=["wmA", "wmB"])
    assert counters_of(qr) == {"joins": 2, "join_qr": 2}
    invited = event(UpdateDetail="add_member", JoinScene="0", MemChangeCnt="1")
    assert counters_of(invited) == {"joins": 1, "join_invited": 1}
    unknown = event(UpdateDetail="add_member", JoinScene="7", MemChangeList=["wmA"])
    assert counters_of(unknown) == {"joins": 1, "join_other": 1}


def test_leave_counters_follow_the_quit_scene() -> None:
    removed = event(UpdateDetail="del_member", QuitScene="1", MemChangeList=["wmA"])
    assert counters_of(removed) == {"leaves": 1, "quit_removed": 1}
    left = event(UpdateDetail="del_member", QuitScene="0", MemChangeList=["wmA", "wmB"])
    assert counters_of(left) == {"leaves": 2, "quit_left": 2}
    assert counters_of(event(UpdateDetail="change_name")) == {}
