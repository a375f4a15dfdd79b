"""What enrols contacts into plans and what takes them out.

Called from the callback pipeline (:mod:`chalicelib.callbacks.dispatch`: adds, tag edits,
deletions, group events) and from domain signals (:mod:`chalicelib.signals`: orders, tiers,
segments). Every function is idempotent per event: an enrolment is a conditional write, an
exit a conditional update, a conversion credit an ``apply_once``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.core.observability import logger, metrics
from chalicelib.core.settings import get_settings
from chalicelib.sop import store
from chalicelib.sop.planner import Subject, enrol, funnel_pk
from chalicelib.sop.service import active_plans, any_plan

if TYPE_CHECKING:
    from chalicelib import signals
    from chalicelib.contacts.models import Contact
    from chalicelib.sop.models import Plan
    from chalicelib.wecom.events import ContactChange

ADDED = ("add_external_contact", "add_half_external_contact")
PAID = ("paid", "completed")


# --- WeCom callbacks ----------------------------------------------------------------------


def on_contact_added(signal: signals.ContactAdded) -> int:
    """Adds enrol (contact_added, no_order_after_add). How many plans were entered."""
    return _contact_changed(signal.event, signal.contact)


def on_contact_edited(signal: signals.ContactEdited) -> int:
    """Tag edits enrol (tagged). How many plans were entered."""
    return _contact_changed(signal.event, signal.contact)


def on_contact_deleted(signal: signals.ContactDeleted) -> None:
    """Deletions end routes (exit on ``deleted``)."""
    exit_routes(signal.event.external_user_id, "deleted", sender=signal.event.user_id)


def _contact_changed(event: ContactChange, contact: Contact | None) -> int:
    now = int(time.time())
    if contact is None:
        return 0
    subject = Subject(event.external_user_id, event.user_id)
    entered = 0
    if event.change_type == "add_external_contact":
        relationship = contact.relationship(event.user_id)
        channel = relationship.channel if relationship else ""
        code = relationship.code if relationship else ""
        start = relationship.added_at if relationship and relationship.added_at else now
        for plan in active_plans(("contact_added", "no_order_after_add")):
            trigger = plan.trigger
            if (
                trigger.channels
                and channel not in trigger.channels
                and event.state not in trigger.channels
            ):
                continue
            if trigger.codes and code not in trigger.codes:
                continue
            entered += enrol(plan, subject, effect_id=event.key, now=now, start=start)
        if relationship is not None and relationship.status == "ended":
            # processed after the customer's deletion: enter and leave, as in that order
            exit_routes(event.external_user_id, "deleted", sender=event.user_id)
    elif event.change_type == "edit_external_contact":
        tags = set(contact.tag_ids)
        relationship = contact.relationship(event.user_id)
        if relationship is not None:
            tags |= set(relationship.tag_ids)
        for plan in active_plans(("tagged",)):
            if tags & set(plan.trigger.tag_ids):
                entered += enrol(plan, subject, effect_id=event.key, now=now)
    return entered


def on_group_changed(signal: signals.GroupChanged) -> int:
    """Group SOPs enrol the group (created, or a customer joined); private plans with a
    group_joined trigger enrol each customer who joined."""
    event = signal.event
    from chalicelib.groups import queries as groups

    now = int(time.time())
    kinds: tuple[str, ...]
    if event.change_type == "create":
        kinds = ("group_created",)
    elif event.change_type == "update" and event.update_detail == "add_member":
        kinds = ("group_joined",)
    else:
        return 0
    plans = [
        p
        for p in active_plans(kinds)
        if not p.trigger.chat_ids or event.chat_id in p.trigger.chat_ids
    ]
    if not plans:
        return 0
    profile = groups.group(event.chat_id)
    owner = profile.owner if profile else ""
    entered = 0
    for plan in plans:
        if plan.target == "group":
            if owner:
                entered += enrol(plan, Subject(event.chat_id, owner), effect_id=event.key, now=now)
            else:
                logger.info(
                    "group SOP not entered: the group has no known owner",
                    extra={"plan_id": plan.id, "chat_id": event.chat_id},
                )
            continue
        for member in event.mem_change_list:
            sender = sender_of(member) or owner
            if sender and _is_customer(member):
                subject = Subject(member, sender)
                entered += enrol(plan, subject, effect_id=f"{event.key}#{member}", now=now)
    return entered


# --- domain signals -----------------------------------------------------------------------


def on_order_changed(signal: signals.OrderChanged) -> None:
    """A paid order ends routes that exit on ``order`` (and every no-order check), credits
    the steps delivered within the conversion window before it, and a first order enrols."""
    if signal.contact_id is None or signal.status not in PAID:
        return
    if signal.previous_status in PAID:
        return
    if any_plan():  # else no route to end, no step to credit: nothing to read
        items = store.contact_items(signal.contact_id)  # read once for the exits and credits
        exit_routes(signal.contact_id, "order", items=items)
        _credit_conversion(signal, items)
    if signal.first_order:
        sender = sender_of(signal.contact_id)
        if sender:
            subject = Subject(signal.contact_id, sender)
            _enrol_all(active_plans(("first_order",)), subject, signal.effect_id)


def on_tier_changed(signal: signals.TierChanged) -> None:
    plans = [p for p in active_plans(("tier_reached",)) if p.trigger.tier == signal.tier]
    sender = sender_of(signal.contact_id) if plans else None
    if sender:
        subject = Subject(signal.contact_id, sender)
        _enrol_all(plans, subject, signal.effect_id)


def on_segment_changed(signal: signals.SegmentChanged) -> None:
    """Mirror who is in which segment (broadcasts and date plans read it), and enrol into
    segment plans."""
    if signal.previous_segment and signal.previous_segment != signal.segment:
        store.delete(f"segment#{signal.previous_segment}", signal.contact_id)
    store.put(store.Row(f"segment#{signal.segment}", signal.contact_id, at=signal.at))
    plans = [p for p in active_plans(("segment",)) if p.trigger.segment == signal.segment]
    sender = sender_of(signal.contact_id) if plans else None
    if sender:
        subject = Subject(signal.contact_id, sender)
        _enrol_all(plans, subject, signal.effect_id)


def segment_members(segment: str) -> list[str]:
    return [item.sk for item in store.query(f"segment#{segment}")]


# --- exits and conversion -----------------------------------------------------------------


def exit_routes(
    contact_id: str,
    reason: str,
    *,
    sender: str | None = None,
    items: list[store.Due] | None = None,
) -> int:
    """Cancel the contact's pending steps of plans that exit on ``reason`` (of ``items``,
    the contact's due items as just read, when given)."""
    cancelled = 0
    for item in store.contact_items(contact_id) if items is None else items:
        if item.kind != "item" or item.status != store.PENDING:
            continue
        if reason not in (item.exit_on or set()):
            continue
        if sender is not None and item.sender != sender:
            continue
        item.status, item.result = store.CANCELLED, f"exit_{reason}"
        item.schedule(None)

        if store.exit_route(item, funnel_pk(item.plan_id)):
            cancelled += 1
    if cancelled:
        metrics.add_metric(name="SopRoutesExited", unit=MetricUnit.Count, value=cancelled)
    return cancelled


def _credit_conversion(signal: signals.OrderChanged, items: list[store.Due]) -> None:
    window = get_settings().sop_conversion_window_days * 86_400
    credited: set[tuple[str, str]] = set()
    for item in items:
        if item.status != store.DELIVERED or item.delivered_at is None:
            continue
        if not signal.ordered_at - window <= int(item.delivered_at) <= signal.ordered_at:
            continue
        key = (item.plan_id, item.step_id)
        if key in credited:
            continue
        credited.add(key)

        store.count_conversion(
            f"sop-conversion#{signal.order_key}#{key[0]}#{key[1]}",
            funnel_pk(key[0]),
            key[1],
            signal.amount_cents,
        )


# --- helpers ------------------------------------------------------------------------------


def _enrol_all(plans: Iterable[Plan], subject: Subject, effect_id: str) -> None:
    now = int(time.time())
    for plan in plans:
        enrol(plan, subject, effect_id=effect_id, now=now)


def sender_of(contact_id: str) -> str | None:
    from chalicelib.contacts import queries as contacts

    return contacts.first_follower(contact_id)


def _is_customer(member_id: str) -> bool:
    """External userids start with ``wm`` / ``wo``; staff userids do not."""
    return member_id.startswith(("wm", "wo"))
