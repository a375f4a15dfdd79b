"""What the callback pipeline calls for contact adds: the welcome message."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from chalicelib.contacts.attribution import attribution
from chalicelib.core.observability import logger
from chalicelib.welcome import service

if TYPE_CHECKING:
    from chalicelib.signals import ContactAdded, LiveCodeDeleted, LiveCodeSaved
    from chalicelib.welcome.models import SendOutcome


def on_contact_added(signal: ContactAdded) -> SendOutcome | None:
    """Send the welcome for an add that carries a WelcomeCode; ``None`` when nothing is due
    (no code: WeCom sends the console's welcome itself, or chatting already began)."""
    event, contact = signal.event, signal.contact
    if not event.welcome_code or contact is None:
        return None
    rel = contact.relationship(event.user_id)
    source = attribution(event.state)
    channel = rel.channel if rel else source.channel
    message = service.choose(channel, (rel.code if rel else "") or source.code)
    if message is None:
        logger.info("no welcome message configured", extra={"channel": channel})
        return None
    values = {
        "name": contact.name or (rel.remark if rel else ""),
        "staff": service.staff_name(event.user_id),
        "channel": channel,
    }
    return service.send_welcome(
        event.key,
        event.welcome_code,
        message,
        values,
        contact.external_userid,
        event.create_time or int(time.time()),
    )


def on_live_code_saved(signal: LiveCodeSaved) -> None:
    """A live code's welcome text is the welcome message keyed ``code:<code>`` (none: the
    message goes)."""
    channel = service.code_channel(signal.code)
    if signal.welcome_text:
        from chalicelib.welcome.models import WelcomeMessageIn

        service.put_message(channel, WelcomeMessageIn(text=signal.welcome_text), signal.by)
    else:
        _drop(channel)


def on_live_code_deleted(signal: LiveCodeDeleted) -> None:
    _drop(service.code_channel(signal.code))


def _drop(channel: str) -> None:
    import contextlib

    from chalicelib.core.errors import NotFound

    with contextlib.suppress(NotFound):
        service.delete_message(channel)
