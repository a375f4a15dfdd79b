"""What orders hear of contacts: orders kept for a contact that just appeared (or gained
a phone or unionid) are matched. Idempotent per contact and order."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.signals import ContactAdded, ContactEdited


def on_contact_added(signal: ContactAdded) -> list[str]:
    """The order keys matched to the new contact."""
    return _matched(signal)


def on_contact_edited(signal: ContactEdited) -> list[str]:
    """The order keys matched to the contact now that it has a phone or unionid."""
    return _matched(signal)


def _matched(signal: ContactAdded | ContactEdited) -> list[str]:
    if signal.contact is None:
        return []
    from chalicelib.orders import service

    return service.match_pending(signal.contact, signal.event.create_time or int(time.time()))
