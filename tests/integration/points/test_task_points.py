"""A customer who joins a customer group earns the group_join task's points, once."""

from __future__ import annotations

from chalicelib.points import handlers, service
from chalicelib.points.models import EarningRules
from chalicelib.signals import GroupChanged
from chalicelib.wecom.events import ChatChange


def joined(key: str, chat_id: str, members: list[str]) -> ChatChange:
    return ChatChange.model_validate(
        {
            "key": key,
            "ChangeType": "update",
            "UpdateDetail": "add_member",
            "ChatId": chat_id,
            "JoinScene": 3,
            "MemChangeList": members,
        }
    )


def changed(event: ChatChange) -> int:
    return handlers.on_group_changed(GroupChanged(event.key, event))


def test_joining_a_group_earns_the_task_points_once_per_group(aws: None) -> None:
    assert changed(joined("k0", "wrA", ["wmNoRules"])) == 0  # no task set
    service.put_rules(EarningRules.model_validate({"tasks": {"group_join": 20}}), "admin")

    event = joined("k1", "wrA", ["wmAlice", "zhangsan", "wmBob"])
    assert changed(event) == 2  # the staff member earns nothing
    assert changed(event) == 0  # WeCom's retry
    assert changed(joined("k2", "wrA", ["wmAlice"])) == 0  # left and rejoined
    assert changed(joined("k3", "wrB", ["wmAlice"])) == 1  # another group

    assert (service.balance("wmAlice"), service.balance("wmBob")) == (40, 20)
    assert service.balance("wmNoRules") == 0
    assert service.reconcile("wmAlice").consistent
    [entry, _] = service.account("wmAlice").entries
    assert (entry.kind, entry.reason, entry.ref, entry.operator) == (
        "task",
        "group_join",
        "wrB",
        "wecom",
    )
