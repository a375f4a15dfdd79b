"""What the membership context hears: points and orders moving re-evaluate the tier.

Both are idempotent: evaluating twice reaches the same tier and records no change."""

from __future__ import annotations

from chalicelib import signals
from chalicelib.membership import service


def on_points_changed(signal: signals.PointsChanged) -> None:
    service.evaluate(signal.contact_id)


def on_order_changed(signal: signals.OrderChanged) -> None:
    if signal.contact_id is not None:
        service.evaluate(signal.contact_id)
