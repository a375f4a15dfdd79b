"""What the callback pipeline calls for handover: an on-job transfer's own event."""

from __future__ import annotations

import time

from chalicelib.handover import service
from chalicelib.wecom.events import ContactChange

DELETE_BY_TRANSFER = "DELETE_BY_TRANSFER"


def on_contact_change(event: ContactChange) -> None:
    """``del_external_contact`` with ``DELETE_BY_TRANSFER``: the transfer we asked for is
    done; the customer now has the takeover member (announced to contacts)."""
    if event.change_type != "del_external_contact" or event.source != DELETE_BY_TRANSFER:
        return
    at = event.create_time or int(time.time())
    service.transferred_by_event(event.user_id, event.external_user_id, at)
