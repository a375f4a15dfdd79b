"""How a group event is applied: a delta only when it continues from the version we hold."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.groups.models import CUSTOMER, STAFF, ChatMember, guess_type, plan
from chalicelib.wecom.events import ChatChange


def event(**fields: Any) -> ChatChange:
    data = {"key": "evt:1", "ChatId": "wrChat", "ChangeType": "update", "CreateTime": 1_700_000_000}
    return ChatChange.model_validate({**data, **fields})


def member_event(detail: str = "add_member", last: str = "v1", cur: str = "v2") -> ChatChange:
    return event(UpdateDetail=detail, LastMemVer=last, CurMemVer=cur, MemChangeList=["wmA"])


def test_a_delta_continuing_from_the_held_version_is_applied() -> None:
    assert plan(member_event(last="v1", cur="v2"), held_version="v1") == "delta"


def test_an_event_after_a_lost_one_forces_a_refresh() -> None:
    # We hold v1; the event goes v2 → v3, so the v1 → v2 change never reached us.
    assert plan(member_event(last="v2", cur="v3"), held_version="v1") == "refresh"


def test_an_older_event_arriving_late_forces_a_refresh_not_its_delta() -> None:
    # We hold v3; a late v1 → v2 event must not be replayed on top of v3.
    assert plan(member_event(detail="del_member", last="v1", cur="v2"), held_version="v3") == (
        "refresh"
    )


def test_an_event_whose_result_we_hold_is_skipped() -> None:
    assert plan(member_event(last="v1", cur="v2"), held_version="v2") == "skip"


@pytest.mark.parametrize("held", [None, "v1"])
def test_events_without_versions_refresh(held: str | None) -> None:
    assert plan(event(UpdateDetail="add_member", MemChangeList=["wmA"]), held) == "refresh"


def test_an_unknown_group_is_refreshed_even_for_a_member_delta() -> None:
    assert plan(member_event(), held_version=None) == "refresh"


@pytest.mark.parametrize("detail", ["change_owner", "change_name", "change_notice"])
def test_profile_changes_refresh(detail: str) -> None:
    assert plan(event(UpdateDetail=detail), held_version="v1") == "refresh"


def test_create_refreshes_and_dismiss_dismisses() -> None:
    assert plan(event(ChangeType="create"), held_version=None) == "refresh"
    assert plan(event(ChangeType="dismiss"), held_version="v9") == "dismiss"


def test_delta_members_are_typed_by_their_id_until_a_refresh_says() -> None:
    assert guess_type("wmAbc") == CUSTOMER
    assert guess_type("woAbc") == CUSTOMER
    assert guess_type("zhangsan") == STAFF


def test_the_invitor_is_read_from_wecoms_nested_object() -> None:
    member = ChatMember.model_validate({"userid": "wmA", "type": 2, "invitor": {"userid": "li"}})
    assert member.invitor == "li"
    assert ChatMember.model_validate({"userid": "wmA"}).invitor == ""
