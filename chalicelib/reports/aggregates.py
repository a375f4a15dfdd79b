"""Aggregates on write: what one signal adds to the daily counters (pure functions).

Reports never read orders or events: every figure is a sum of daily counters kept in the
daily-stats table (``pk=day#<local day>``) per dimension (``sk``):

- ``total``: the whole business on that day;
- ``channel#<channel>``: the contact's acquisition channel (the same rows the contacts
  context counts adds and deletions on);
- ``code#<code>#<channel>``: the live code the contact came through;
- ``sop#<plan>#<step>``: deliveries of one SOP step;
- ``tier#<tier>``: members entering and leaving a tier;
- ``staff#<userid>``: a member's adds and deletions;
- ``groups``: joins and leaves of every customer group together.

Each group's own counters sit under ``pk=group#<chat_id>, sk=day#<local day>`` (one Query
for a group's days; a report never reads them, it reads ``groups``).

The subscribers (:mod:`chalicelib.reports.handlers`) and the benchmark fold signals through
these same functions, so what is measured is what runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from chalicelib.signals import MessageDelivered, OrderChanged, PointsChanged, TierChanged
    from chalicelib.wecom.events import ChatChange

TOTAL = "total"
UNKNOWN_CHANNEL = "unknown"  # the contacts context's name for a contact without a channel
PAID_STATES = frozenset({"paid", "completed", "refunded"})

DELETIONS = {
    "customer": "deletions_by_customer",
    "staff": "deletions_by_staff",
    "transfer": "deletions_by_transfer",
}
#: Losses that count against retention (a handover keeps the customer).
CHURN = ("customer", "staff")
GROUP_COUNTERS = (
    "joins",
    "leaves",
    "join_invited",
    "join_qr",
    "join_other",
    "quit_left",
    "quit_removed",
    "quit_other",
)
JOIN_COUNTERS = {0: "join_invited", 3: "join_qr"}
QUIT_COUNTERS = {0: "quit_left", 1: "quit_removed"}
GROUPS = "groups"

#: Every counter the aggregates keep.
COUNTERS = (
    "adds",
    *DELETIONS.values(),
    *GROUP_COUNTERS,
    "orders",
    "first_orders",
    "repeat_orders",
    "gmv_cents",
    "refunded_cents",
    "points_issued",
    "points_earned",
    "referral_points",
    "points_adjusted_in",
    "points_adjusted_out",
    "points_redeemed",
    "points_expired",
    "points_reversed",
    "referrals",
    "task_points",
    "deliveries",
    "entered",
    "left",
    "retention_days_sum",
    "retention_known",
    "cohort_lost",
)


@dataclass(frozen=True)
class Delta:
    """Move ``counter`` of ``dimension`` on local ``day`` by ``amount``."""

    day: str
    dimension: str
    counter: str
    amount: int


@dataclass(frozen=True)
class OrderMemo:
    """What the aggregates already counted of one order."""

    counted: bool = False
    refunded_cents: int = 0


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day(at: int, zone: str) -> str:
    """``YYYY-MM-DD`` of epoch second ``at`` in time zone ``zone``."""
    return datetime.fromtimestamp(at, _zone(zone)).date().isoformat()


def channel_dimension(channel: str) -> str:
    return f"channel#{channel or UNKNOWN_CHANNEL}"


def order_dimensions(signal: OrderChanged) -> tuple[str, ...]:
    dims: tuple[str, ...] = (TOTAL, channel_dimension(signal.channel))
    if signal.code:
        dims += (f"code#{signal.code}#{signal.channel or UNKNOWN_CHANNEL}",)
    return dims


def refund_target(memo: OrderMemo, signal: OrderChanged) -> int:
    """Cumulative refunded amount after ``signal``: a refunded or cancelled paid order
    counts as refunded in full."""
    if signal.status == "refunded" or (signal.status == "cancelled" and memo.counted):
        return max(signal.refunded_cents, signal.amount_cents)
    return signal.refunded_cents


def order_effect(
    memo: OrderMemo | None, signal: OrderChanged, zone: str
) -> tuple[OrderMemo, list[Delta]]:
    """The counters an order change moves, and the order's memo afterwards.

    An order counts once, on the local day it was placed, when it is first seen paid
    (paid, completed or refunded): one order, its amount as GMV, and a first or repeat
    order. Refunds count on the day of the change, by how much the cumulative refunded
    amount grew. A change seen again (same state, same refunds) moves nothing.
    """
    memo = memo or OrderMemo()
    deltas: list[Delta] = []
    dims = order_dimensions(signal)
    if not memo.counted and signal.status in PAID_STATES:
        day = local_day(signal.ordered_at, zone)
        kind = "first_orders" if signal.first_order else "repeat_orders"
        for dim in dims:
            deltas.append(Delta(day, dim, "orders", 1))
            deltas.append(Delta(day, dim, kind, 1))
            deltas.append(Delta(day, dim, "gmv_cents", signal.amount_cents))
        memo = OrderMemo(counted=True, refunded_cents=memo.refunded_cents)
    if memo.counted:
        refunded = refund_target(memo, signal)
        grown = refunded - memo.refunded_cents
        if grown > 0:
            day = local_day(signal.at, zone)
            deltas.extend(Delta(day, dim, "refunded_cents", grown) for dim in dims)
            memo = OrderMemo(counted=True, refunded_cents=refunded)
    return memo, deltas


def points_effect(signal: PointsChanged, zone: str) -> list[Delta]:
    """Points issued (every positive entry but manual adjustments), apart by source:
    earned on orders, tasks, referrals; manual adjustments in and out on their own (they
    are not "issued": see docs/decisions.md); redeemed, expired or reversed (negative
    entries by reason); referrals as community activity."""
    day = local_day(signal.at, zone)
    deltas: list[Delta] = []
    if signal.reason == "adjust":
        counter = "points_adjusted_in" if signal.delta > 0 else "points_adjusted_out"
        if signal.delta:
            deltas.append(Delta(day, TOTAL, counter, abs(signal.delta)))
    elif signal.delta > 0:
        deltas.append(Delta(day, TOTAL, "points_issued", signal.delta))
        source = {"earn": "points_earned", "task": "task_points", "referral": "referral_points"}
        if signal.reason in source:
            deltas.append(Delta(day, TOTAL, source[signal.reason], signal.delta))
        if signal.reason == "referral":
            deltas.append(Delta(day, TOTAL, "referrals", 1))
    elif signal.delta < 0:
        counter = {
            "redeem": "points_redeemed",
            "expire": "points_expired",
            "refund": "points_reversed",
        }.get(signal.reason, "points_reversed")
        deltas.append(Delta(day, TOTAL, counter, -signal.delta))
    return deltas


def tier_effect(signal: TierChanged, zone: str) -> list[Delta]:
    day = local_day(signal.at, zone)
    deltas = [Delta(day, f"tier#{signal.tier}", "entered", 1)]
    if signal.previous_tier:
        deltas.append(Delta(day, f"tier#{signal.previous_tier}", "left", 1))
    return deltas


def delivery_effect(signal: MessageDelivered, zone: str) -> list[Delta]:
    day = local_day(signal.at, zone)
    return [
        Delta(day, TOTAL, "deliveries", 1),
        Delta(day, f"sop#{signal.plan_id}#{signal.step_id}", "deliveries", 1),
    ]


def deletion_effect(
    at: int, channel: str, added_at: int | None, retention_days: int | None, zone: str
) -> list[Delta]:
    """A customer lost: retention days on the day of the loss, and one contact lost from the
    cohort of the day it was added (retention of that day's adds)."""
    dim = channel_dimension(channel)
    deltas: list[Delta] = []
    if retention_days is not None:
        day = local_day(at, zone)
        deltas.append(Delta(day, dim, "retention_days_sum", retention_days))
        deltas.append(Delta(day, dim, "retention_known", 1))
    if added_at is not None:
        deltas.append(Delta(local_day(added_at, zone), dim, "cohort_lost", 1))
    return deltas


@dataclass(frozen=True)
class Loss:
    """What one deletion is counted as (the contacts context's credit of it): who ended
    the relationship, the channel and live code of the add before it, that add's time and
    the days between."""

    at: int
    by: str
    channel: str
    code: str = ""
    added_at: int | None = None
    retention_days: int | None = None


def code_dimension(code: str, channel: str) -> str:
    """The counters of one live code's channel: ``code#<code>#<channel>``."""
    return f"code#{code}#{channel or UNKNOWN_CHANNEL}"


def contact_dimensions(channel: str, staff_userid: str, code: str) -> list[str]:
    dims = [channel_dimension(channel), f"staff#{staff_userid}"]
    if code:
        dims.append(code_dimension(code, channel))
    return dims


def add_effect(at: int, channel: str, staff_userid: str, code: str, zone: str) -> list[Delta]:
    """A new contact: one add for its channel, the member and the live code's channel."""
    day = local_day(at, zone)
    return [Delta(day, d, "adds", 1) for d in contact_dimensions(channel, staff_userid, code)]


def loss_effect(loss: Loss, staff_userid: str, zone: str, sign: int = 1) -> list[Delta]:
    """One deletion: its counter (by who ended it) on the add's channel, the member and the
    live code; for a churn, the retention days and the loss from the add day's cohort."""
    day = local_day(loss.at, zone)
    name = DELETIONS[loss.by]
    deltas = [
        Delta(day, d, name, sign) for d in contact_dimensions(loss.channel, staff_userid, loss.code)
    ]
    if loss.by in CHURN:
        deltas += [
            Delta(d.day, d.dimension, d.counter, sign * d.amount)
            for d in deletion_effect(
                loss.at, loss.channel, loss.added_at, loss.retention_days, zone
            )
        ]
    return deltas


def moved_loss_effect(
    before: Loss | None, after: Loss, staff_userid: str, zone: str
) -> list[Delta]:
    """A deletion counted as ``before`` is now ``after`` (an add processed after it showed
    which add it follows): the first taken back, the second added."""
    taken = [] if before is None else loss_effect(before, staff_userid, zone, -1)
    return taken + loss_effect(after, staff_userid, zone)


def group_counters(
    update_detail: str, changed: int, join_scene: int | None, quit_scene: int | None
) -> dict[str, int]:
    """The counters an ``add_member`` / ``del_member`` event of ``changed`` members moves."""
    if update_detail == "add_member":
        scene = JOIN_COUNTERS.get(join_scene if join_scene is not None else -1)
        return {"joins": changed, scene or "join_other": changed}
    if update_detail == "del_member":
        scene = QUIT_COUNTERS.get(quit_scene if quit_scene is not None else -1)
        return {"leaves": changed, scene or "quit_other": changed}
    return {}


def chat_counters(event: ChatChange) -> dict[str, int]:
    """The counters a ``change_external_chat`` event moves (members listed, else counted)."""
    if event.change_type != "update":
        return {}
    changed = len(event.mem_change_list) or int(event.mem_change_cnt or 0)
    return group_counters(event.update_detail, changed, event.join_scene, event.quit_scene)


def group_effect(at: int, counters: dict[str, int], zone: str) -> list[Delta]:
    """The business-wide ``groups`` row of the day (what a report reads of groups)."""
    day = local_day(at, zone)
    return [
        Delta(day, GROUPS, name, counters[name])
        for name in ("joins", "leaves")
        if counters.get(name)
    ]


def fold(deltas: Iterable[Delta]) -> dict[tuple[str, str], dict[str, int]]:
    """Sum deltas per (day, dimension): what the counters hold after all of them."""
    rows: dict[tuple[str, str], dict[str, int]] = {}
    for delta in deltas:
        row = rows.setdefault((delta.day, delta.dimension), {})
        row[delta.counter] = row.get(delta.counter, 0) + delta.amount
    return rows
