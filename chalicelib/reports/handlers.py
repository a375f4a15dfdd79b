"""Aggregates on write: the subscribers that move the daily counters, once per signal.

Each runs the pure function of :mod:`chalicelib.reports.aggregates` and writes its deltas
with the once-only marker (``<effect id>#aggregates`` for orders, points, tiers and
deliveries; ``<event>#add``, ``<event>#deletion…`` and ``<event>#group-stats`` for
contacts and groups, the ids those contexts used when they kept these counters) in one
transaction. The daily-stats table is written by this context alone.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.contacts import queries as contacts
from chalicelib.core.observability import logger, metrics
from chalicelib.core.settings import get_settings
from chalicelib.reports import aggregates, losses, store

if TYPE_CHECKING:
    from chalicelib.signals import (
        ContactAdded,
        ContactDeleted,
        ContactEdited,
        CustomerTransferred,
        GroupChanged,
        MessageDelivered,
        OrderChanged,
        PointsChanged,
        TierChanged,
    )

SUFFIX = "#aggregates"
#: Tries when another change of the same order is counted at the same moment.
ATTEMPTS = 3


def on_order_changed(signal: OrderChanged) -> None:
    """Orders, first and repeat orders, GMV and refunds per day, channel and live code.

    An order the subscribers have not seen (``previous_status`` None) has no memo yet, in
    all likelihood: its counters are written on the condition that none exists, and the
    memo is read only when that condition fails (or when there would be nothing to count
    without one)."""
    zone = get_settings().timezone
    optimistic = signal.previous_status is None
    for attempt in range(ATTEMPTS):
        if optimistic:
            memo = None
            after, deltas = aggregates.order_effect(None, signal, zone)
            optimistic = bool(deltas)
        if not optimistic:
            memo = store.order_memo(signal.order_key)
            after, deltas = aggregates.order_effect(memo, signal, zone)
        if not deltas:
            return
        optimistic = False  # refused: the next attempt reads the memo
        try:
            store.apply_order_once(signal.effect_id + SUFFIX, signal.order_key, memo, after, deltas)
            return
        except store.MemoChanged:
            if attempt == ATTEMPTS - 1:
                raise  # the publisher's retry reads the memo again


def on_points_changed(signal: PointsChanged) -> None:
    deltas = aggregates.points_effect(signal, get_settings().timezone)
    store.keep_deltas_once(signal.effect_id + SUFFIX, deltas)


def on_tier_changed(signal: TierChanged) -> None:
    deltas = aggregates.tier_effect(signal, get_settings().timezone)
    store.keep_deltas_once(signal.effect_id + SUFFIX, deltas)


def on_message_delivered(signal: MessageDelivered) -> None:
    deltas = aggregates.delivery_effect(signal, get_settings().timezone)
    store.apply_deltas_once(signal.effect_id + SUFFIX, deltas)


def on_contact_added(signal: ContactAdded) -> None:
    """One add for the channel, the member and the live code's channel, once per event;
    then the customer's deletions as the add shows them now (when it may move them)."""
    event = signal.event
    at = event.create_time or int(time.time())
    channel, code = contacts.add_source(event.state, signal.contact, event.user_id, at)
    deltas = aggregates.add_effect(at, channel, event.user_id, code, get_settings().timezone)
    if store.apply_deltas_once(f"{signal.effect_id}#add", deltas):
        metrics.add_metric(name="ContactAdded", unit=MetricUnit.Count, value=1)
    if signal.moves_credits:  # else no deletion's credit moved: nothing to read
        losses.settle(event.external_user_id)


def on_contact_edited(signal: ContactEdited) -> None:
    """A refresh from WeCom may bring an add a deletion follows."""
    losses.settle(signal.event.external_user_id)


def on_contact_deleted(signal: ContactDeleted) -> None:
    """The deletion counted (by who ended it, on the add's channel), and for a churn its
    retention days and the loss from its add day's cohort."""
    losses.settle(signal.event.external_user_id)


def on_customer_transferred(signal: CustomerTransferred) -> None:
    """A handover ended the old relationship by transfer (heard after the contacts)."""
    losses.settle(signal.external_userid)


def on_group_changed(signal: GroupChanged) -> None:
    """Joins and leaves of a customer group, by scene: its own row and the day's
    ``groups`` row, once per event."""
    event = signal.event
    counters = aggregates.chat_counters(event)
    if not counters:
        return
    zone = get_settings().timezone
    at = event.create_time or int(time.time())
    group = store.GroupCounts(event.chat_id, aggregates.local_day(at, zone), counters)
    if not store.apply_deltas_once(
        f"{signal.effect_id}#group-stats", aggregates.group_effect(at, counters, zone), group
    ):
        logger.info("group counters already moved for this event")
