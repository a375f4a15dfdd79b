"""App messages to staff (churn alerts, reminders, digests), once per effect.

``message/send`` has no idempotency key, and a call that timed out may well have reached
WeCom. Every app message therefore carries WeCom's own duplicate check
(``enable_duplicate_check: 1`` with ``duplicate_check_interval``: the same request JSON
within the interval is not delivered again), and :func:`send_once` keeps, per effect, the
exact request it sent first:

- the first caller records the request (``sending``) and calls WeCom;
- WeCom answered: ``sent``, never sent again;
- WeCom refused (a definite errcode): the record is removed, a retry sends afresh;
- no answer (timeout, dropped connection, 5xx, busy after the request left): the message
  is *possibly delivered*; the record stays ``unconfirmed`` and a retry repeats the very
  same request while WeCom's check still covers it, so the member gets it at most once.
  Past the interval nothing is repeated.
"""

from __future__ import annotations

import time

from chalicelib.core.observability import logger
from chalicelib.core.settings import get_settings
from chalicelib.messaging import store
from chalicelib.messaging.store import AppMessage
from chalicelib.wecom.client import get_client
from chalicelib.wecom.errors import WeComUnavailable

SENDING, UNCONFIRMED, SENT = store.APP_SENDING, store.APP_UNCONFIRMED, store.APP_SENT
#: A repeat is sent only while this much of WeCom's interval is left (clock skew, latency).
REPEAT_MARGIN_S = 120


def send_once(effect_id: str, touser: str, content: str, now: float | None = None) -> bool:
    """Send ``content`` to ``touser`` once per ``effect_id``. True when this call sent it
    (or repeated a possibly delivered send within WeCom's duplicate check); False when it
    was sent before. Raises the WeCom error when it did not go out, so the caller's event
    is retried."""
    at = int(time.time() if now is None else now)
    item = AppMessage(effect_id, touser, content, at)
    if not store.record_app_message(item):
        item = store.stored_app_message(effect_id)
        if item.status == SENT:
            return False
        interval = get_settings().app_message_duplicate_check_s
        if at - item.first_at > interval - REPEAT_MARGIN_S:
            logger.warning(
                "app message possibly delivered; not repeated past the duplicate check",
                extra={"effect_id": effect_id},
            )
            store.set_app_message_status(effect_id, SENT)
            return False
    try:
        get_client().send_app_message(item.touser, item.content)
    except WeComUnavailable:
        # it may have reached WeCom: repeat only the same request
        store.set_app_message_status(effect_id, UNCONFIRMED)
        raise
    except Exception:
        if item.status == SENDING:
            store.forget_app_message(effect_id)  # WeCom refused it: nothing was delivered
        raise
    store.set_app_message_status(effect_id, SENT)
    return True
