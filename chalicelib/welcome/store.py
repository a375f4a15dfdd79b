"""The welcome-messages table: ``pk=channel#<channel>`` per message (``channel#default`` is
the fallback) and ``pk=index`` holding the set of configured channels, so the admin list
is two reads and never a scan.

Every add asks for up to three messages (its live code's, its channel's, the default):
:func:`lookup` keeps each answer, found or not, for ``CONFIG_KEPT_S`` seconds
(:mod:`chalicelib.storage.kept`); a change made here is seen at once by this container.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import PynamoDBException

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.storage import ops
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.kept import KeptByKey
from chalicelib.storage.keys import Prefix
from chalicelib.storage.schema import WELCOME_MESSAGES
from chalicelib.welcome.models import WelcomeMessage

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

INDEX = "index"


message_pk = Prefix("channel#")


class WelcomeMessageItem(TableModel):
    schema = WELCOME_MESSAGES
    channel = UnicodeAttribute()
    text = UnicodeAttribute(default="")
    attachments = JSONAttribute(default=list)
    updated_at = NumberAttribute(default=0)
    updated_by = UnicodeAttribute(default="")


class WelcomeIndexItem(TableModel):
    schema = WELCOME_MESSAGES
    channels = UnicodeSetAttribute(null=True)


def get(channel: str) -> WelcomeMessage | None:
    """The message of ``channel`` as stored now."""
    item = ops.get_or_none(WelcomeMessageItem, message_pk(channel))
    return None if item is None else _message(item)


def get_many(channels: list[str]) -> dict[str, WelcomeMessage | None]:
    """The messages of ``channels`` as stored now (``None`` for a channel without one), in
    one BatchGetItem."""
    try:
        items = WelcomeMessageItem.batch_get([message_pk(channel) for channel in channels])
        found = {item.channel: _message(item) for item in items}
    except PynamoDBException as error:
        raise DependencyUnavailable("the welcome messages did not answer") from error
    return {channel: found.get(channel) for channel in channels}


#: :func:`get`, answers kept a short while (the path of every add).
_kept: KeptByKey[str, WelcomeMessage | None] = KeptByKey(get, read_many=get_many)


def lookup(channel: str) -> WelcomeMessage | None:
    """The message of ``channel``, as read at most ``CONFIG_KEPT_S`` seconds ago."""
    return _kept.get(channel)


def lookup_each(channels: list[str]) -> list[WelcomeMessage | None]:
    """:func:`lookup` for each of ``channels``; those not kept are read in one request."""
    return _kept.get_each(channels)


def put(message: WelcomeMessage) -> None:
    """Write the message and add its channel to the index, both or neither."""
    item = WelcomeMessageItem(
        message_pk(message.channel),
        channel=message.channel,
        text=message.text,
        attachments=[a.model_dump(mode="json", exclude_none=True) for a in message.attachments],
        updated_at=message.updated_at,
        updated_by=message.updated_by,
    )

    def write(tx: TransactWrite) -> None:
        tx.save(item)
        tx.update(WelcomeIndexItem(INDEX), actions=[WelcomeIndexItem.channels.add({item.channel})])

    try:
        ops.transact(write, "the welcome messages")
    finally:
        _kept.forget()


def delete(channel: str) -> bool:
    """Remove a message and its index entry; False when there was none."""

    def write(tx: TransactWrite) -> None:
        tx.delete(WelcomeMessageItem(message_pk(channel)), condition=WelcomeMessageItem.pk.exists())
        tx.update(WelcomeIndexItem(INDEX), actions=[WelcomeIndexItem.channels.delete({channel})])

    try:
        ops.transact(write, "the welcome messages")
    except ops.Conflict:
        return False
    finally:
        _kept.forget()
    return True


def all_messages() -> list[WelcomeMessage]:
    index = ops.get_or_none(WelcomeIndexItem, INDEX)
    channels = sorted(index.channels or []) if index is not None else []
    if not channels:
        return []
    try:
        items = list(WelcomeMessageItem.batch_get([message_pk(channel) for channel in channels]))
    except PynamoDBException as error:
        raise DependencyUnavailable("the welcome messages did not answer") from error
    return sorted((_message(item) for item in items), key=lambda m: m.channel)


def _message(item: WelcomeMessageItem) -> WelcomeMessage:
    return WelcomeMessage.model_validate(
        {
            "channel": item.channel,
            "text": item.text,
            "attachments": item.attachments or [],
            "updated_at": int(item.updated_at),
            "updated_by": item.updated_by,
        }
    )
