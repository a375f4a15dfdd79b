"""What the callback pipeline calls for ``change_external_contact`` events.

Every step is idempotent per event key: the pipeline may run an event again after a crash.
"""

from __future__ import annotations

import time

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.callbacks.models import ContactChange
from chalicelib.contacts import service
from chalicelib.contacts.attribution import attribution
from chalicelib.contacts.models import Contact, EndedBy
from chalicelib.core.observability import logger, metrics
from chalicelib.core.settings import get_settings
from chalicelib.reports import handlers as report_handlers

ADDS = ("add_external_contact", "add_half_external_contact")
DELETE_BY_TRANSFER = "DELETE_BY_TRANSFER"


def on_contact_change(event: ContactChange) -> Contact | None:
    """Act on one event; returns the contact as stored afterwards (``None`` when WeCom no
    longer knows the relationship, or for events that do not change the profile)."""
    at = event.create_time or int(time.time())
    logger.append_keys(external_userid=event.external_user_id, staff_userid=event.user_id)
    try:
        if event.change_type in ADDS:
            return _added(event, at)
        if event.change_type == "edit_external_contact":
            return _edited(event, at)
        if event.change_type == "del_external_contact":
            by: EndedBy = "transfer" if event.source == DELETE_BY_TRANSFER else "staff"
            return _deleted(event, at, by)
        if event.change_type == "del_follow_user":
            return _deleted(event, at, "customer")
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
    contact = service.refresh_from_wecom(event.external_user_id, {event.user_id: event.state})
    rel = contact.relationship(event.user_id) if contact else None
    source = attribution(event.state)
    channel = rel.channel if rel else source.channel
    code = (rel.code if rel else "") or source.code
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
    rel = service.end_relationship(event.external_user_id, event.user_id, at, by)
    if rel.status != "ended" or rel.ended_at != at:
        return service.find_contact(event.external_user_id)  # stale: the customer came back
    service.record_event(
        event.external_user_id,
        "deleted",
        at,
        {
            "staff_userid": event.user_id,
            "by": by,
            "channel": rel.channel,
            "retention_days": rel.retention_days,
        },
        event.key,
    )
    counter = service.DELETION_COUNTERS[by]
    if service.count_once(
        f"{event.key}#deletion", at, rel.channel, event.user_id, counter, rel.code
    ):
        metrics.add_metric(name=f"ContactDeletedBy{by.title()}", unit=MetricUnit.Count, value=1)
    if by != "transfer":  # retention days and the add day's cohort, for reports
        report_handlers.on_contact_deleted(
            f"{event.key}#deletion", at, rel.channel, rel.added_at, rel.retention_days
        )
    contact = service.find_contact(event.external_user_id)
    if by == "customer" and get_settings().churn_alerts_enabled:
        name = (contact.name if contact else "") or rel.remark or event.external_user_id
        service.send_churn_alert(f"{event.key}#churn-alert", event.user_id, name, rel)
    return contact
