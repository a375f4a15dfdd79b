"""Aggregates on write: the subscribers that move the daily counters, once per signal.

Each runs the pure function of :mod:`chalicelib.reports.aggregates` and writes its deltas
with the once-only marker ``<effect id>#aggregates`` in one transaction.
"""

from __future__ import annotations

from chalicelib.core.settings import get_settings
from chalicelib.reports import aggregates, store
from chalicelib.signals import MessageDelivered, OrderChanged, PointsChanged, TierChanged

SUFFIX = "#aggregates"
#: Tries when another change of the same order is counted at the same moment.
ATTEMPTS = 3


def on_order_changed(signal: OrderChanged) -> None:
    """Orders, first and repeat orders, GMV and refunds per day, channel and live code."""
    for attempt in range(ATTEMPTS):
        memo = store.order_memo(signal.order_key)
        after, deltas = aggregates.order_effect(memo, signal, get_settings().timezone)
        if not deltas:
            return
        try:
            store.apply_order_once(signal.effect_id + SUFFIX, signal.order_key, memo, after, deltas)
            return
        except store.MemoChanged:
            if attempt == ATTEMPTS - 1:
                raise  # the publisher's retry reads the memo again


def on_points_changed(signal: PointsChanged) -> None:
    deltas = aggregates.points_effect(signal, get_settings().timezone)
    store.apply_deltas_once(signal.effect_id + SUFFIX, deltas)


def on_tier_changed(signal: TierChanged) -> None:
    deltas = aggregates.tier_effect(signal, get_settings().timezone)
    store.apply_deltas_once(signal.effect_id + SUFFIX, deltas)


def on_message_delivered(signal: MessageDelivered) -> None:
    deltas = aggregates.delivery_effect(signal, get_settings().timezone)
    store.apply_deltas_once(signal.effect_id + SUFFIX, deltas)


def on_contact_deleted(
    effect_id: str, at: int, channel: str, added_at: int | None, retention_days: int | None
) -> bool:
    """A relationship ended: retention days, and the loss from its add day's cohort."""
    deltas = aggregates.deletion_effect(
        at, channel, added_at, retention_days, get_settings().timezone
    )
    return store.apply_deltas_once(effect_id + SUFFIX, deltas)


def on_contact_deletion_moved(
    effect_id: str,
    at: int,
    before: tuple[str, int | None, int | None],
    after: tuple[str, int | None, int | None],
) -> bool:
    """A loss counted under one (channel, added_at, retention days) belongs to another
    (the add it follows was processed after it): the first taken back, the second added."""
    zone = get_settings().timezone
    taken = [
        aggregates.Delta(d.day, d.dimension, d.counter, -d.amount)
        for d in aggregates.deletion_effect(at, *before, zone)
    ]
    added = aggregates.deletion_effect(at, *after, zone)
    return store.apply_deltas_once(effect_id + SUFFIX, taken + added)
