"""The order state machine, as a function of every fact received (not of their order).

An order's facts only ever grow (a set of events, a map of refunds); the status is derived
from them, so deliveries that arrive late, twice or out of order (a refund before the
payment) converge on the same state:

- ``refunded`` when the refunds cover a known order total;
- else ``cancelled`` when a cancellation was received;
- else ``completed``, ``paid``, ``pending`` by the furthest event received.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from chalicelib.orders.models import Status

PAID_EVENTS = frozenset({"paid", "completed"})


def refunded_cents(refunds: Mapping[str, int]) -> int:
    return sum(refunds.values())


def derive_status(facts: Iterable[str], amount_cents: int | None, refunded: int) -> Status:
    seen = set(facts)
    if amount_cents and refunded >= amount_cents:
        return "refunded"
    if "cancelled" in seen:
        return "cancelled"
    if "completed" in seen:
        return "completed"
    if "paid" in seen:
        return "paid"
    return "pending"


def is_paid(facts: Iterable[str]) -> bool:
    """Money was taken at some point (points are earned on it, then reversed as refunded)."""
    return not PAID_EVENTS.isdisjoint(facts)


def reversal_due(earned: int, amount_cents: int | None, refunded: int, cancelled: bool) -> int:
    """Points an order's refunds take back: everything when fully refunded or cancelled,
    else the refunded share, rounded down (so partial refunds never take more than a
    full refund would)."""
    if earned <= 0:
        return 0
    if cancelled or (amount_cents is not None and refunded >= amount_cents):
        return earned
    if not amount_cents or refunded <= 0:
        return 0
    return earned * refunded // amount_cents
