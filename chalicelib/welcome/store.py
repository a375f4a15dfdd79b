"""The welcome-messages table: ``pk=channel#<channel>`` per message (``channel#default`` is
the fallback) and ``pk=index`` holding the set of configured channels, so the admin list
is two reads and never a scan."""

from __future__ import annotations

from collections.abc import Callable

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.ops import transaction
from chalicelib.storage.schema import WELCOME_MESSAGES

INDEX = "index"


def message_pk(channel: str) -> str:
    return f"channel#{channel}"


class WelcomeMessageItem(TableModel):
    schema = WELCOME_MESSAGES

    class Meta(TableModel.Meta):
        abstract = False

    pk = UnicodeAttribute(hash_key=True)
    channel = UnicodeAttribute()
    text = UnicodeAttribute(default="")
    attachments = JSONAttribute(default=list)
    updated_at = NumberAttribute(default=0)
    updated_by = UnicodeAttribute(default="")


class WelcomeIndexItem(TableModel):
    schema = WELCOME_MESSAGES

    class Meta(TableModel.Meta):
        abstract = False

    pk = UnicodeAttribute(hash_key=True)
    channels = UnicodeSetAttribute(null=True)


def get(channel: str) -> WelcomeMessageItem | None:
    model = WelcomeMessageItem.bound()
    try:
        return model.get(message_pk(channel))
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise DependencyUnavailable("the welcome messages did not answer") from error


def put(item: WelcomeMessageItem) -> None:
    """Write the message and add its channel to the index, both or neither."""
    index = WelcomeIndexItem.bound()

    def write(tx: TransactWrite) -> None:
        tx.save(item)
        tx.update(index(INDEX), actions=[index.channels.add({item.channel})])

    _transact(write)


def delete(channel: str) -> bool:
    """Remove a message and its index entry; False when there was none."""
    model = WelcomeMessageItem.bound()
    index = WelcomeIndexItem.bound()

    def write(tx: TransactWrite) -> None:
        tx.delete(model(message_pk(channel)), condition=model.pk.exists())
        tx.update(index(INDEX), actions=[index.channels.delete({channel})])

    try:
        _transact(write)
    except _Missing:
        return False
    return True


def all_messages() -> list[WelcomeMessageItem]:
    index = WelcomeIndexItem.bound()
    try:
        channels = sorted(index.get(INDEX).channels or [])
    except index.DoesNotExist:
        return []
    model = WelcomeMessageItem.bound()
    items = list(model.batch_get([message_pk(channel) for channel in channels]))
    return sorted(items, key=lambda item: item.channel)


class _Missing(Exception):
    """The conditional part of a transaction failed (the item is not there)."""


def _transact(write: Callable[[TransactWrite], None]) -> None:
    try:
        with transaction() as tx:
            write(tx)
    except TransactWriteError as error:
        reasons = [r.code for r in (error.cancellation_reasons or []) if r is not None]
        if "ConditionalCheckFailed" in reasons:
            raise _Missing from error
        raise DependencyUnavailable("the welcome messages did not accept the change") from error
