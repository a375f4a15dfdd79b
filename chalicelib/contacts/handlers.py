"""What the callback pipeline calls for ``change_external_contact`` events: contacts own
them. The stored contact is announced (``ContactAdded`` / ``ContactEdited`` /
``ContactDeleted``) to the contexts that act on it.

Every step is idempotent per event key: the pipeline may run an event again after a crash.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chalicelib import signals
from chalicelib.contacts import service
from chalicelib.contacts.attribution import attribution
from chalicelib.contacts.models import Contact, EndedBy, TimelineEntry
from chalicelib.contacts.states import ADD, Fact
from chalicelib.core.observability import logger
from chalicelib.core.settings import get_settings
from chalicelib.signals import (
    ContactFetched,
    CustomerTransferred,
    ReferralCredited,
    TagsMarked,
    TimelineNoted,
)

if TYPE_CHECKING:
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
            moves = _moves_credits(event, contact)
            signals.publish(signals.ContactAdded(event.key, event, contact, moves))
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
    longer knows the relationship (the customer deleted the member before this retry);
    its ``added`` timeline entry goes in the same write."""
    fact = Fact(ADD, at, state=event.state, key=event.key)
    source = attribution(event.state)

    def added(contact: Contact) -> list[TimelineEntry]:
        rel = contact.relationship(event.user_id)
        fresh = event.state or rel is None or rel.added_at != at
        channel = source.channel if fresh or rel is None else rel.channel
        detail = {"staff_userid": event.user_id, "channel": channel, "state": event.state}
        return [TimelineEntry(kind="added", at=at * 1000, detail=detail, event_key=event.key)]

    contact = service.refresh_from_wecom(
        event.external_user_id,
        {event.user_id: event.state},
        {event.user_id: [fact]},
        notes=added,
        cause=event.key,
    )
    if contact is None:
        contact = service.record_add(
            event.external_user_id, event.user_id, at, event.state, event.key, notes=added
        )
    return contact


def _moves_credits(event: ContactChange, contact: Contact | None) -> bool:
    """Whether the add may have moved a deletion's credit (see :mod:`.states`): only a
    deletion after it could move, and none is when the add is the relationship's latest
    fact (active, added at the event's own time; WeCom's ``createtime`` of a follower it
    still lists is after that follower's deletions)."""
    rel = contact.relationship(event.user_id) if contact else None
    latest = (
        rel is not None
        and rel.status == "active"
        and bool(event.create_time)
        and rel.added_at == event.create_time
    )
    return not latest


def _edited(event: ContactChange, at: int) -> Contact | None:
    def edited(contact: Contact) -> list[TimelineEntry]:
        rel = contact.relationship(event.user_id)
        detail: dict[str, object] = {"staff_userid": event.user_id}
        if rel is not None:
            detail |= {"remark": rel.remark, "tag_ids": rel.tag_ids}
        return [TimelineEntry(kind="edited", at=at * 1000, detail=detail, event_key=event.key)]

    contact = service.refresh_from_wecom(event.external_user_id, {}, notes=edited, cause=event.key)
    if contact is None:  # WeCom no longer knows the customer: the edit is still on record
        service.record_event(
            event.external_user_id, "edited", at, {"staff_userid": event.user_id}, event.key
        )
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


def on_timeline_noted(signal: TimelineNoted) -> None:
    """Another context did something for a customer (``signals.TimelineNoted``): on the
    customer's timeline, once per event and kind."""
    service.record_timeline(
        signal.contact_id,
        signal.kind,
        datetime.fromtimestamp(signal.at_ms / 1000, UTC),
        signal.detail,
        signal.event_key,
    )


def on_tags_marked(signal: TagsMarked) -> bool:
    """Tags marked in WeCom on a relationship (``signals.TagsMarked``, an add's auto-tags):
    mirrored with their timeline entry in one write. False when the relationship is not
    stored (the next refresh from WeCom brings the tags)."""
    return service.mark_tags(
        signal.contact_id, signal.staff_userid, signal.tag_ids, signal.at, signal.event_key
    )


def on_noted(heard: list[TimelineNoted | TagsMarked]) -> None:
    """Timeline entries and auto-tags heard one after another (``signals.JOINED``): the
    entries of a customer whose tags were marked go in the tags' write, the rest alone."""
    notes = [signal for signal in heard if isinstance(signal, TimelineNoted)]
    for marked in (signal for signal in heard if isinstance(signal, TagsMarked)):
        mine = [note for note in notes if note.contact_id == marked.contact_id]
        written = service.mark_tags(
            marked.contact_id,
            marked.staff_userid,
            marked.tag_ids,
            marked.at,
            marked.event_key,
            [(n.kind, _as_recorded(n.at_ms), n.detail, n.event_key) for n in mine],
        )
        if written:
            notes = [note for note in notes if note not in mine]
    for note in notes:
        on_timeline_noted(note)


def _as_recorded(at_ms: int) -> int:
    """The time :func:`on_timeline_noted` keys the entry by (the same item either way)."""
    return int(datetime.fromtimestamp(at_ms / 1000, UTC).timestamp() * 1000)


def on_contact_fetched(signal: ContactFetched) -> Contact:
    """A customer WeCom listed outside any event (``signals.ContactFetched``, handover's
    sync): stored like an initial import."""
    return service.upsert_from_wecom(signal.external_contact, signal.follow_users)


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
