"""What the callback pipeline calls on contact changes: orders kept for a contact that
just appeared (or gained a phone or unionid) are matched, and a referral add can earn the
referrer points (when the earning rules say so). Idempotent per contact and order."""

from __future__ import annotations

import time

from chalicelib.contacts.models import Contact
from chalicelib.signals import ContactAdded, ContactEdited
from chalicelib.wecom.events import ContactChange

ADDS = ("add_external_contact", "add_half_external_contact")


def on_contact_added(signal: ContactAdded) -> list[str]:
    """The order keys matched to the new contact; a referral add may earn points."""
    return _matched(signal.event, signal.contact)


def on_contact_edited(signal: ContactEdited) -> list[str]:
    """The order keys matched to the contact now that it has a phone or unionid."""
    return _matched(signal.event, signal.contact)


def _matched(event: ContactChange, contact: Contact | None) -> list[str]:
    if contact is None:
        return []
    from chalicelib.orders import service

    at = event.create_time or int(time.time())
    matched = service.match_pending(contact.external_userid, at)
    if event.change_type in ADDS:
        from chalicelib.points import service as points

        earning = points.rules()
        if earning.referral_on == "add":
            points.award_referral(contact.external_userid, at, earning)
    return matched
