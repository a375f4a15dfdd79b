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
from datetime import timedelta

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, PynamoDBException

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.core.observability import logger
from chalicelib.core.settings import get_settings
from chalicelib.storage.dynamo import TableModel, condition_failed
from chalicelib.storage.schema import RUNTIME_STATE
from chalicelib.wecom.client import get_client
from chalicelib.wecom.errors import WeComUnavailable

SENDING, UNCONFIRMED, SENT = "sending", "unconfirmed", "sent"
RECORD_TTL = timedelta(days=35)
#: A repeat is sent only while this much of WeCom's interval is left (clock skew, latency).
REPEAT_MARGIN_S = 120


class AppMessageItem(TableModel):
    schema = RUNTIME_STATE

    class Meta(TableModel.Meta):
        abstract = False

    pk = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute(default=SENDING)
    touser = UnicodeAttribute()
    content = UnicodeAttribute()
    first_at = NumberAttribute()
    expires_at = TTLAttribute()


def send_once(effect_id: str, touser: str, content: str, now: float | None = None) -> bool:
    """Send ``content`` to ``touser`` once per ``effect_id``. True when this call sent it
    (or repeated a possibly delivered send within WeCom's duplicate check); False when it
    was sent before. Raises the WeCom error when it did not go out, so the caller's event
    is retried."""
    at = int(time.time() if now is None else now)
    model = AppMessageItem.bound()
    item = model(
        f"appmsg#{effect_id}",
        touser=touser,
        content=content,
        first_at=at,
        expires_at=RECORD_TTL,
    )
    try:
        item.save(condition=model.pk.does_not_exist())
    except PutError as error:
        if not condition_failed(error):
            raise DependencyUnavailable("the app message record could not be written") from error
        item = _stored(effect_id)
        if item.status == SENT:
            return False
        interval = get_settings().app_message_duplicate_check_s
        if at - int(item.first_at) > interval - REPEAT_MARGIN_S:
            logger.warning(
                "app message possibly delivered; not repeated past the duplicate check",
                extra={"effect_id": effect_id},
            )
            _set(item, SENT)
            return False
    try:
        get_client().send_app_message(item.touser, item.content)
    except WeComUnavailable:
        _set(item, UNCONFIRMED)  # it may have reached WeCom: repeat only the same request
        raise
    except Exception:
        if item.status == SENDING:
            _forget(item)  # WeCom refused it: nothing was delivered
        raise
    _set(item, SENT)
    return True


def _stored(effect_id: str) -> AppMessageItem:
    model = AppMessageItem.bound()
    try:
        return model.get(f"appmsg#{effect_id}", consistent_read=True)
    except PynamoDBException as error:
        raise DependencyUnavailable("the app message record could not be read") from error


def _set(item: AppMessageItem, status: str) -> None:
    try:
        item.update(actions=[AppMessageItem.status.set(status)])
    except PynamoDBException as error:
        raise DependencyUnavailable("the app message record could not be updated") from error
    item.status = status


def _forget(item: AppMessageItem) -> None:
    try:
        item.delete()
    except PynamoDBException as error:
        raise DependencyUnavailable("the app message record could not be removed") from error
