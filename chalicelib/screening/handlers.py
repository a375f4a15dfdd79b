"""Screening's inputs, kept on write from domain signals (see ``SUBSCRIBERS`` in
:mod:`chalicelib.signals`).

Each handler updates the contact's RFM item and marks the contact changed on today's local
day (``changed#<day>``); an order also moves the contact's ``due#<day>`` entry (the day its
recency score next drops). All of it is one transaction with the once-only marker, so a
replayed signal changes nothing.
"""

from __future__ import annotations

import time
from datetime import date
from typing import TYPE_CHECKING

from chalicelib.core.settings import get_settings
from chalicelib.reports.aggregates import TOTAL, local_day, order_effect
from chalicelib.reports.aggregates import OrderMemo as Memo
from chalicelib.screening import store
from chalicelib.screening.scoring import KEEP_DAYS, due_day

if TYPE_CHECKING:
    from chalicelib.signals import MessageDelivered, OrderChanged, PointsChanged

#: Tries when another signal for the same contact is written at the same moment.
ATTEMPTS = 3


def _today(zone: str) -> str:
    return local_day(int(time.time()), zone)


def on_order_changed(signal: OrderChanged) -> None:
    """Orders counted, spend (net of refunds, per day of order), first and last order."""
    if not signal.contact_id:
        return  # screened once the order is matched to a contact
    for attempt in range(ATTEMPTS):
        try:
            _order_changed(signal, signal.contact_id)
            return
        except store.RfmChanged:
            if attempt == ATTEMPTS - 1:
                raise  # the publisher's retry will read again


def _order_changed(signal: OrderChanged, contact_id: str) -> None:
    zone = get_settings().timezone
    found, stored = store.memo_and_rfm(signal.order_key, contact_id)
    memo = None if found is None else Memo(bool(found.counted), int(found.refunded_cents or 0))
    after, deltas = order_effect(memo, signal, zone)
    total = {d.counter: d.amount for d in deltas if d.dimension == TOTAL}
    if not total:
        return
    item = stored or store.new_rfm_item(contact_id)
    version = int(item.version or 0)
    today = _today(zone)
    order_day = local_day(signal.ordered_at, zone)
    spend_days = {
        d: int(v)
        for d, v in dict(item.spend_days or {}).items()
        if (date.fromisoformat(today) - date.fromisoformat(d)).days < KEEP_DAYS
    }
    net = total.get("gmv_cents", 0) - total.get("refunded_cents", 0)
    spend_days[order_day] = spend_days.get(order_day, 0) + net
    item.spend_cents = int(item.spend_cents or 0) + net
    item.spend_days = spend_days
    if total.get("orders"):
        item.orders = int(item.orders or 0) + 1
        first, last = item.first_order_at, item.last_order_at
        item.first_order_at = (
            signal.ordered_at if first is None else min(int(first), signal.ordered_at)
        )
        item.last_order_at = (
            signal.ordered_at if last is None else max(int(last), signal.ordered_at)
        )
    previous_due = item.due_day
    if item.last_order_at is not None:
        last_day = date.fromisoformat(local_day(int(item.last_order_at), zone))
        item.due_day = due_day(last_day, date.fromisoformat(today), _recency_thresholds())
    item.version = version + 1
    work = [store.work_item(store.changed_pk(today), contact_id)]
    if item.due_day and item.due_day != previous_due:
        work.append(store.work_item(store.due_pk(item.due_day), contact_id))
    memo_item = store.new_order_memo(signal.order_key, after.counted, after.refunded_cents)
    store.save_order_once(f"{signal.effect_id}#screening", item, version, memo_item, work)


def on_points_changed(signal: PointsChanged) -> None:
    """Task points and referrals count as community activity."""
    if signal.reason == "task" and signal.delta > 0:
        _add(signal.effect_id, signal.contact_id, "task_points", signal.delta)
    elif signal.reason == "referral" and signal.delta > 0:
        _add(signal.effect_id, signal.contact_id, "referrals", 1)


def on_message_delivered(signal: MessageDelivered) -> None:
    """An SOP step or broadcast received counts as community activity."""
    _add(signal.effect_id, signal.contact_id, "deliveries", 1)


def _add(effect_id: str, contact_id: str, counter: str, amount: int) -> None:
    store.add_activity_once(
        f"{effect_id}#screening", contact_id, counter, amount, _today(get_settings().timezone)
    )


def _recency_thresholds() -> list[int]:
    from chalicelib.screening.service import get_config

    return get_config().recency_days
