"""What the callback pipeline calls for handover: an on-job transfer's own event."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from chalicelib.handover import service

if TYPE_CHECKING:
    from chalicelib.signals import ContactDeleted


def on_contact_deleted(signal: ContactDeleted) -> None:
    """``del_external_contact`` with ``DELETE_BY_TRANSFER``: the transfer we asked for is
    done; the customer now has the takeover member (announced to contacts)."""
    event = signal.event
    if signal.by != "transfer":
        return
    at = event.create_time or int(time.time())
    service.transferred_by_event(event.user_id, event.external_user_id, at)
