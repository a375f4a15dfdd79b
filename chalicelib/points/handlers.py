"""Task points from WeCom events: a customer who joins a customer group earns the
``group_join`` task's points (when the earning rules name it), once per group."""

from __future__ import annotations

from chalicelib.points import service
from chalicelib.points.models import TaskIn
from chalicelib.signals import GroupChanged

GROUP_JOIN = "group_join"
#: Who awards event-driven task points, as the ledger records the operator.
OPERATOR = "wecom"


def on_group_changed(signal: GroupChanged) -> int:
    """Credit each customer who joined; returns how many were credited (a replay: 0)."""
    event = signal.event
    if event.change_type != "update" or event.update_detail != "add_member":
        return 0
    if GROUP_JOIN not in service.rules().tasks:
        return 0
    credited = 0
    for member in event.mem_change_list:
        if not member.startswith(("wm", "wo")):  # staff userids: no points
            continue
        task = TaskIn(task=GROUP_JOIN, ref=event.chat_id)
        before = service.balance(member)
        service.award_task(member, task, OPERATOR)
        credited += service.balance(member) != before
    return credited
