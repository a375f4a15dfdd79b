"""Welcome messages: admin upkeep, choosing a channel's message, sending it once.

A WelcomeCode lives 20 seconds and works once, so the send happens inside the callback's
processing, right after the contact is stored: 41096 (another app is sending) is retried
twice within a second or two; 41051 (already sent) counts as done; 41050 (expired) is
recorded on the contact's timeline and is not an error, since a retry could only expire
again.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib import signals
from chalicelib.core.observability import logger, metrics
from chalicelib.storage.once import claim_once, release
from chalicelib.wecom.client import get_client
from chalicelib.wecom.errors import (
    WELCOME_BEING_SENT,
    WELCOME_CODE_INVALID,
    WELCOME_CODE_USED,
    WeComError,
)
from chalicelib.welcome import store
from chalicelib.welcome.errors import InvalidChannel, WelcomeMessageNotFound
from chalicelib.welcome.models import (
    MAX_TEXT_BYTES,
    SendOutcome,
    WelcomeMessage,
    WelcomeMessageIn,
)
from chalicelib.welcome.variables import fill, truncate_bytes

DEFAULT_CHANNEL = "default"
#: Waits before the retries of a 41096, well inside the code's 20 seconds.
BUSY_RETRY_DELAYS_S = (0.5, 1.0)
_CHANNEL = re.compile(r"^[^#/\s][^#/]{0,63}$")

sleep: Callable[[float], None] = time.sleep


def _checked(channel: str) -> str:
    if not _CHANNEL.match(channel):
        raise InvalidChannel("a channel is 1 to 64 characters without '#' or '/'")
    return channel


# --- admin ---------------------------------------------------------------------------------


def put_message(channel: str, body: WelcomeMessageIn, principal: str) -> WelcomeMessage:
    message = WelcomeMessage.model_validate(
        {
            **body.model_dump(mode="json", exclude_none=True),
            "channel": _checked(channel),
            "updated_at": int(time.time()),
            "updated_by": principal,
        }
    )
    store.put(message)
    logger.info("welcome message saved", extra={"channel": channel})
    return store.get(channel) or message


def get_message(channel: str) -> WelcomeMessage:
    message = store.get(_checked(channel))
    if message is None:
        raise WelcomeMessageNotFound(f"no welcome message for channel {channel}")
    return message


def list_messages() -> list[WelcomeMessage]:
    return store.all_messages()


def delete_message(channel: str) -> None:
    if not store.delete(_checked(channel)):
        raise WelcomeMessageNotFound(f"no welcome message for channel {channel}")
    logger.info("welcome message deleted", extra={"channel": channel})


def staff_name(userid: str) -> str:
    """What ``{staff}`` shows: the member's name from WeCom (cached by the client), or
    their userid when WeCom cannot say (the welcome is not held up for it)."""
    from chalicelib.core.errors import DomainError

    try:
        return get_client().member_name(userid)
    except DomainError as error:
        logger.warning(
            "member name unavailable; {staff} shows the userid",
            extra={"staff_userid": userid, "error": error.code},
        )
        return userid


def code_channel(code: str) -> str:
    """The key under which a live code keeps its own welcome message."""
    return f"code:{code}"


def choose(channel: str, code: str = "") -> WelcomeMessage | None:
    """The live code's own message, else the channel's, else the default one, else
    ``None`` (nothing is sent). Answers are kept ``CONFIG_KEPT_S`` seconds (30 s); those
    not kept are read in one request."""
    candidates = ((code_channel(code),) if code else ()) + (channel, DEFAULT_CHANNEL)
    readable = [candidate for candidate in candidates if _CHANNEL.match(candidate)]
    return next((m for m in store.lookup_each(readable) if m is not None), None)


# --- sending -------------------------------------------------------------------------------


def deliver(welcome_code: str, message: WelcomeMessage, values: Mapping[str, str]) -> SendOutcome:
    """One send with WeCom's welcome codes handled; other WeCom errors propagate."""
    text = truncate_bytes(fill(message.text, values), MAX_TEXT_BYTES) or None
    attachments = [a.to_wecom() for a in message.attachments]
    client = get_client()
    for delay in (0.0, *BUSY_RETRY_DELAYS_S):
        if delay:
            sleep(delay)
        try:
            client.send_welcome_msg(welcome_code, text, attachments)
        except WeComError as error:
            if error.has_code(WELCOME_CODE_USED):
                return "already_sent"
            if error.has_code(WELCOME_CODE_INVALID):
                return "expired"
            if error.has_code(WELCOME_BEING_SENT):
                continue
            raise
        return "sent"
    return "busy"


def send_welcome(
    event_key: str,
    welcome_code: str,
    message: WelcomeMessage,
    values: Mapping[str, str],
    external_userid: str,
    at: int,
) -> SendOutcome:
    """Send ``message`` once per event and put the outcome on the contact's timeline."""
    effect = f"{event_key}#welcome"
    if not claim_once(effect):
        return "skipped"
    try:
        outcome = deliver(welcome_code, message, values)
    except Exception:
        release(effect)
        raise
    done = outcome in ("sent", "already_sent")
    kind = "welcome_sent" if done else "welcome_failed"
    signals.publish(
        signals.TimelineNoted(
            effect_id=f"{event_key}#{kind}",
            contact_id=external_userid,
            kind=kind,
            at_ms=at * 1000,
            detail={"channel": message.channel, "outcome": outcome},
            event_key=event_key,
        )
    )
    metrics.add_metric(
        name="WelcomeSent" if done else "WelcomeFailed", unit=MetricUnit.Count, value=1
    )
    logger.info("welcome message handled", extra={"outcome": outcome, "channel": message.channel})
    return outcome
