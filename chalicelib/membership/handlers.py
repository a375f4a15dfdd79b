"""What the membership context hears: orders and points moving re-evaluate the tier.

An order is evaluated once: points hear the order first (see ``signals.SUBSCRIBERS``), so
the evaluation on the order sees the points it earned or lost, and the points entries an
order makes (``earn``, ``refund``) need no evaluation of their own. Debits (redemptions,
expiries, negative adjustments) leave the points earned in the window as they were, so
only the other credits (tasks, referrals, adjustments) evaluate. Evaluating twice reaches
the same tier and records no change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.membership import service

if TYPE_CHECKING:
    from chalicelib import signals

#: Points entries only orders make: the order's own evaluation covers them.
ORDER_ENTRIES = ("earn", "refund")


def on_points_changed(signal: signals.PointsChanged) -> None:
    if signal.delta > 0 and signal.reason not in ORDER_ENTRIES:
        service.evaluate(signal.contact_id)


def on_order_changed(signal: signals.OrderChanged) -> None:
    if signal.contact_id is not None:
        service.evaluate(signal.contact_id)
