"""What the callback pipeline calls for ``change_external_contact`` events: contacts own
them. The stored contact is announced (``ContactAdded`` / ``ContactEdited`` /
``ContactDeleted``) to the contexts that act on it.

Every step is idempotent per event key: the pipeline may run an event again after a crash.
"""

from __future__ import annotations

import time

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib import signals
from chalicelib.contacts import service
from chalicelib.contacts.attribution import attribution
from chalicelib.contacts.models import Contact, EndedBy
from chalicelib.contacts.states import ADD, Fact
from chalicelib.core.observability import logger, metrics
from chalicelib.core.settings import get_settings
from chalicelib.signals import CustomerTransferred, ReferralCredited
from chalicelib.wecom.events import ContactChange

ADDS = ("add_external_contact", "add_half_external_contact")
DELETE_BY_TRANSFER = "DELETE_BY_TRANSFER"


def on_contact_change(event: ContactChange) -> Contact | None:
    """Act on one event; returns the contact as stored afterwards (``None`` when WeCom no
    longer knows the relationship, or for events that do not change the profile)."""
    at = event.create_time or int(time.time())
    logger.append_keys(external_userid=event.external_user_id, staff_userid=event.user_id)
    try:
        if event.change_type in ADDS:
            contact = _added(event, at)
            signals.publish(signals.ContactAdded(event.key, event, contact))
            return contact
        if event.change_type == "edit_external_contact":
            contact = _edited(event, at)
            signals.publish(signals.ContactEdited(event.key, event, contact))
            return contact
        if event.change_type in ("del_external_contact", "del_follow_user"):
            by: EndedBy = "customer"
            if event.change_type == "del_external_contact":
                by = "transfer" if event.source == DELETE_BY_TRANSFER else "staff"
            contact = _deleted(event, at, by)
            signals.publish(signals.ContactDeleted(event.key, event, contact, by))
            return contact
        if event.change_type == "transfer_fail":
            service.record_event(
                event.external_user_id,
                "transfer_failed",
                at,
                {"staff_userid": event.user_id, "reason": event.fail_reason},
                event.key,
            )
        return None
    finally:
        logger.remove_keys(["external_userid", "staff_userid"])


def _added(event: ContactChange, at: int) -> Contact | None:
    """The add is a fact of its own, written with WeCom's answer, or alone when WeCom no
    longer knows the relationship (the customer deleted the member before this retry)."""
    fact = Fact(ADD, at, state=event.state, key=event.key)
    contact = service.refresh_from_wecom(
        event.external_user_id, {event.user_id: event.state}, {event.user_id: [fact]}
    )
    if contact is None:
        contact = service.record_add(
            event.external_user_id, event.user_id, at, event.state, event.key
        )
    rel = contact.relationship(event.user_id) if contact else None
    source = attribution(event.state)
    if event.state or rel is None or rel.added_at != at:
        channel, code = source.channel, source.code
    else:
        channel, code = rel.channel, rel.code
    service.record_event(
        event.external_user_id,
        "added",
        at,
        {"staff_userid": event.user_id, "channel": channel, "state": event.state},
        event.key,
    )
    if service.count_once(f"{event.key}#add", at, channel, event.user_id, "adds", code):
        metrics.add_metric(name="ContactAdded", unit=MetricUnit.Count, value=1)
    return contact


def _edited(event: ContactChange, at: int) -> Contact | None:
    contact = service.refresh_from_wecom(event.external_user_id, {})
    rel = contact.relationship(event.user_id) if contact else None
    detail: dict[str, object] = {"staff_userid": event.user_id}
    if rel is not None:
        detail |= {"remark": rel.remark, "tag_ids": rel.tag_ids}
    service.record_event(event.external_user_id, "edited", at, detail, event.key)
    return contact


def _deleted(event: ContactChange, at: int, by: EndedBy) -> Contact | None:
    """The deletion is kept and counted once whatever came before it; the alert goes out
    only when it ended the relationship (a customer who came back since gets none)."""
    rel = service.end_relationship(event.external_user_id, event.user_id, at, by, event.key)
    credit = service.deletion_credit(event.external_user_id, event.user_id, at)
    channel = credit.channel if credit else rel.channel
    retention = credit.retention_days if credit else rel.retention_days
    service.record_event(
        event.external_user_id,
        "deleted",
        at,
        {
            "staff_userid": event.user_id,
            "by": by,
            "channel": channel,
            "retention_days": retention,
        },
        event.key,
    )
    contact = service.find_contact(event.external_user_id)
    current = rel.status == "ended" and rel.ended_at == at
    if current and by == "customer" and get_settings().churn_alerts_enabled:
        name = (contact.name if contact else "") or rel.remark or event.external_user_id
        service.send_churn_alert(f"{event.key}#churn-alert", event.user_id, name, rel)
    return contact


def on_customer_transferred(signal: CustomerTransferred) -> None:
    """WeCom moved a customer to another member (``signals.CustomerTransferred``): the old
    relationship ends by transfer, the takeover's begins with its channel; once per
    transfer however often it is told."""
    service.transfer_relationship(
        signal.external_userid,
        signal.handover_userid,
        signal.takeover_userid,
        signal.at,
        signal.effect_id,
    )
    service.record_event(
        signal.external_userid,
        "transferred",
        signal.at,
        {"from": signal.handover_userid, "to": signal.takeover_userid},
        signal.effect_id,
    )


def on_referral_credited(signal: ReferralCredited) -> None:
    """An add through a referral code, on both customers' timelines (once per add: the
    entries are keyed by the add's event)."""
    detail = {"code": signal.code, "staff_userid": signal.staff_userid}
    service.record_event(
        signal.referrer,
        "referral_added",
        signal.at,
        detail | {"referred": signal.referred},
        signal.effect_id,
    )
    service.record_event(
        signal.referred,
        "referred_by",
        signal.at,
        detail | {"referrer": signal.referrer},
        signal.effect_id,
    )
