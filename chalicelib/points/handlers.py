"""What the points ledger hears: an order moving earns or takes back its points, a
referred customer's add can earn the referrer points (when the earning rules say so), and
a customer who joins a customer group earns the ``group_join`` task's points (when the
earning rules name it), once per group. Each is idempotent (deterministic entry ids)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from chalicelib.points import service
from chalicelib.points.models import TaskIn

if TYPE_CHECKING:
    from chalicelib.signals import ContactAdded, GroupChanged, OrderChanged

GROUP_JOIN = "group_join"
#: Who awards event-driven task points, as the ledger records the operator.
OPERATOR = "wecom"


def on_order_changed(signal: OrderChanged) -> None:
    service.settle_order(signal)


def on_contact_added(signal: ContactAdded) -> bool:
    """The referrer's points for this add, when the rules reward the add itself."""
    if signal.contact is None:
        return False
    earning = service.kept_rules()
    if earning.referral_on != "add" or not earning.referral_points:
        return False
    at = signal.event.create_time or int(time.time())
    return service.award_referral(signal.contact.external_userid, at, earning, signal.contact)


def on_group_changed(signal: GroupChanged) -> int:
    """Credit each customer who joined; returns how many were credited (a replay: 0)."""
    event = signal.event
    if event.change_type != "update" or event.update_detail != "add_member":
        return 0
    earning = service.kept_rules()
    if GROUP_JOIN not in earning.tasks:
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
