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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.orders.models import Status

PAID_EVENTS = frozenset({"paid", "completed"})


def settle_refunds(
    refunds: Mapping[str, int], amount_cents: int | None
) -> tuple[dict[str, int], dict[str, int]]:
    """``(accepted, rejected)`` cents per refund id. Refunds never take back more than the
    order: in refund-id order (not arrival order, so every order of deliveries agrees)
    each takes at most what the ones before it left; the rest is rejected. While the
    order's total is unknown (a refund before the payment) every refund is accepted for
    now and capped when the total arrives."""
    if amount_cents is None:
        return dict(refunds), {}
    left = max(0, amount_cents)
    accepted: dict[str, int] = {}
    rejected: dict[str, int] = {}
    for refund_id in sorted(refunds):
        asked = max(0, int(refunds[refund_id]))
        taken = min(asked, left)
        left -= taken
        accepted[refund_id] = taken
        if asked > taken:
            rejected[refund_id] = asked - taken
    return accepted, rejected


def refunded_cents(refunds: Mapping[str, int], amount_cents: int | None = None) -> int:
    """What the refunds took back, at most the order's total when it is known."""
    return sum(settle_refunds(refunds, amount_cents)[0].values())


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
