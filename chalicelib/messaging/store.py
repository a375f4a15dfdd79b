"""The message-caps table: ``pk=contact#<external_userid>`` with the send batches the
customer was part of and when (a map, so recording one batch twice counts once); and the
record of each app message's first request (runtime-state table, ``appmsg#<effect id>``)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from pynamodb.attributes import JSONAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.storage import ops
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.keys import Prefix
from chalicelib.storage.schema import MESSAGE_CAPS, RUNTIME_STATE

#: Sends older than this can no longer count against any cap (a month).
KEEP_S = 32 * 86_400
#: Keys per reading thread, and how many threads read at once.
READ_SLICE = 1_000
READERS = 8


cap_pk = Prefix("contact#")


class CapItem(TableModel):
    schema = MESSAGE_CAPS
    sends = JSONAttribute(default=dict)  # batch id -> epoch seconds
    updated_at = NumberAttribute(default=0)


def sent_times(contact_ids: Iterable[str]) -> dict[str, list[int]]:
    """Each contact's recent send times (contacts never sent to are absent)."""
    return {c: list(sends.values()) for c, sends in _current(CapItem, contact_ids).items()}


def record_sends(batch_id: str, contact_ids: Iterable[str], at: int, now: int) -> None:
    """Count batch ``batch_id`` against each contact's caps (idempotent per batch)."""
    model = CapItem
    ids = sorted(set(contact_ids))
    current = _current(model, ids)
    try:
        with model.batch_write() as batch:
            for contact_id in ids:
                sends = {k: v for k, v in current.get(contact_id, {}).items() if v > now - KEEP_S}
                sends[batch_id] = at
                batch.save(
                    model(
                        cap_pk(contact_id),
                        sends=sends,
                        updated_at=now,
                        expires_at=timedelta(seconds=KEEP_S),
                    )
                )
    except PynamoDBException as error:
        raise DependencyUnavailable("the message caps did not accept the sends") from error


def forget_sends(batch_id: str, contact_ids: Iterable[str]) -> None:
    """Take batch ``batch_id`` out of each contact's caps (where it is counted)."""
    model = CapItem
    current = _current(model, sorted(set(contact_ids)))
    try:
        with model.batch_write() as batch:
            for contact_id, sends in current.items():
                if batch_id not in sends:
                    continue
                sends.pop(batch_id)
                batch.save(
                    model(
                        cap_pk(contact_id),
                        sends=sends,
                        updated_at=int(time.time()),
                        expires_at=timedelta(seconds=KEEP_S),
                    )
                )
    except PynamoDBException as error:
        raise DependencyUnavailable("the message caps did not accept the change") from error


def _current(model: type[CapItem], ids: Iterable[str]) -> Mapping[str, dict[str, int]]:
    """The caps items of ``ids``, read in slices of 1,000 keys on a few threads: a tick
    for 100,000 customers would otherwise wait on 1,000 BatchGetItem round trips in a row."""
    keys = sorted({cap_pk(c) for c in ids})
    slices = [keys[at : at + READ_SLICE] for at in range(0, len(keys), READ_SLICE)]

    def read(part: list[str]) -> dict[str, dict[str, int]]:
        return {
            item.pk.removeprefix("contact#"): {k: int(v) for k, v in dict(item.sends).items()}
            for item in model.batch_get(part)
        }

    found: dict[str, dict[str, int]] = {}
    try:
        if len(slices) <= 1:
            for part in slices:
                found.update(read(part))
            return found
        with ThreadPoolExecutor(max_workers=READERS) as pool:
            for part_found in pool.map(read, slices):
                found.update(part_found)
    except PynamoDBException as error:
        raise DependencyUnavailable("the message caps did not answer") from error
    return found


# --- app messages (runtime-state table: ``appmsg#<effect id>``) ---------------------------

APP_SENDING, APP_UNCONFIRMED, APP_SENT = "sending", "unconfirmed", "sent"
#: How long the record of an app message is kept (past WeCom's duplicate check).
APP_RECORD_TTL = timedelta(days=35)


class AppMessageItem(TableModel):
    schema = RUNTIME_STATE

    status = UnicodeAttribute(default=APP_SENDING)
    touser = UnicodeAttribute()
    content = UnicodeAttribute()
    first_at = NumberAttribute()
    expires_at = TTLAttribute()


@dataclass(frozen=True)
class AppMessage:
    """The request an effect's app message sent first, and how far it got."""

    effect_id: str
    touser: str
    content: str
    first_at: int
    status: str = APP_SENDING


def _app_pk(effect_id: str) -> str:
    return f"appmsg#{effect_id}"


def _app_message(effect_id: str, item: AppMessageItem) -> AppMessage:
    return AppMessage(effect_id, item.touser, item.content, int(item.first_at), item.status)


def record_app_message(message: AppMessage) -> bool:
    """Record ``message`` as being sent unless its effect already has a record (False:
    read that one with :func:`stored_app_message`)."""
    item = AppMessageItem(
        _app_pk(message.effect_id),
        touser=message.touser,
        content=message.content,
        first_at=message.first_at,
        expires_at=APP_RECORD_TTL,
    )
    return ops.put_new(item)


def stored_app_message(effect_id: str) -> AppMessage:
    try:
        item = AppMessageItem.get(_app_pk(effect_id), consistent_read=True)
    except PynamoDBException as error:
        raise DependencyUnavailable("the app message record could not be read") from error
    return _app_message(effect_id, item)


def set_app_message_status(effect_id: str, status: str) -> None:
    try:
        AppMessageItem(_app_pk(effect_id)).update(actions=[AppMessageItem.status.set(status)])
    except PynamoDBException as error:
        raise DependencyUnavailable("the app message record could not be updated") from error


def forget_app_message(effect_id: str) -> None:
    """Remove the record: WeCom refused the message, a retry sends afresh."""
    try:
        AppMessageItem(_app_pk(effect_id)).delete()
    except PynamoDBException as error:
        raise DependencyUnavailable("the app message record could not be removed") from error
