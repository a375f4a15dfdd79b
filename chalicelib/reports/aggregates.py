"""Aggregates on write: what one signal adds to the daily counters (pure functions).

Reports never read orders or events: every figure is a sum of daily counters kept in the
daily-stats table (``pk=day#<local day>``) per dimension (``sk``):

- ``total``: the whole business on that day;
- ``channel#<channel>``: the contact's acquisition channel (the same rows the contacts
  context counts adds and deletions on);
- ``code#<code>#<channel>``: the live code the contact came through;
- ``sop#<plan>#<step>``: deliveries of one SOP step;
- ``tier#<tier>``: members entering and leaving a tier.

The subscribers (:mod:`chalicelib.reports.handlers`) and the benchmark fold signals through
these same functions, so what is measured is what runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from chalicelib.signals import MessageDelivered, OrderChanged, PointsChanged, TierChanged

TOTAL = "total"
UNKNOWN_CHANNEL = "unknown"  # the contacts context's name for a contact without a channel
PAID_STATES = frozenset({"paid", "completed", "refunded"})

#: Every counter the aggregates keep (besides the contacts context's adds and deletions).
COUNTERS = (
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


def fold(deltas: Iterable[Delta]) -> dict[tuple[str, str], dict[str, int]]:
    """Sum deltas per (day, dimension): what the counters hold after all of them."""
    rows: dict[tuple[str, str], dict[str, int]] = {}
    for delta in deltas:
        row = rows.setdefault((delta.day, delta.dimension), {})
        row[delta.counter] = row.get(delta.counter, 0) + delta.amount
    return rows
