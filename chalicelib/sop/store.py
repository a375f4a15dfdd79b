"""The ``sop`` and ``sop-due`` tables.

``sop`` (pk, sk):
- ``plan#<id> / meta`` — a plan or a broadcast (``body`` holds its JSON); ``plans / <id>``
  and ``broadcasts / <id>`` list them without a scan;
- ``enrol#<plan>#<subject>#<round> / meta`` — a contact (or group) entered the plan;
- ``funnel#<plan> / <step>#<counter>`` — counters (targeted, deferred, exited, orders) and
  ``<step>#batch#<batch id>`` absolute send results per batch (rewritten on every poll);
- ``segment#<name> / <contact>`` — who is in a screening segment (from ``SegmentChanged``);
- ``tick / cursor`` — the oldest hour bucket that may still hold due items.

``sop-due`` (pk): due items ``<plan>#<step>#<subject>#<round>`` and send batches
``batch#<id>``; see :data:`chalicelib.storage.schema.SOP_DUE` for the indexes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import PutError, PynamoDBException, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.storage.dynamo import TableModel, condition_failed
from chalicelib.storage.ops import transaction
from chalicelib.storage.schema import SOP, SOP_DUE

META = "meta"
PENDING, BATCHED, SENT, DELIVERED, FAILED, CANCELLED, UNCONFIRMED, EXPIRED = (
    "pending",
    "batched",
    "sent",
    "delivered",
    "failed",
    "cancelled",
    "unconfirmed",
    "expired",
)
# Batch states: open (claimed items, not yet sent), polling (sent, results pending), done.
OPEN, POLLING, DONE = "open", "polling", "done"


def bucket(at: int) -> str:
    """The UTC hour a due time falls in: the partition of the ``by_due`` index."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y%m%d%H")


def buckets_between(first: str, last_at: int) -> list[str]:
    start = int(datetime.strptime(first, "%Y%m%d%H").replace(tzinfo=UTC).timestamp())
    return [bucket(at) for at in range(start, last_at + 1, 3600)] or [bucket(last_at)]


# --- sop ----------------------------------------------------------------------------------


class SopItem(TableModel):
    schema = SOP

    class Meta(TableModel.Meta):
        abstract = False

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    body = JSONAttribute(null=True)
    value = UnicodeAttribute(null=True)
    tally = NumberAttribute(null=True)
    amount = NumberAttribute(null=True)
    at = NumberAttribute(null=True)


def get_item(pk: str, sk: str = META) -> SopItem | None:
    model = SopItem.bound()
    try:
        return model.get(pk, sk)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise DependencyUnavailable("the SOP table did not answer") from error


def query(pk: str, prefix: str | None = None) -> Iterator[SopItem]:
    model = SopItem.bound()
    condition = model.sk.startswith(prefix) if prefix else None
    try:
        yield from model.query(pk, condition)
    except PynamoDBException as error:
        raise DependencyUnavailable("the SOP table did not answer") from error


def put(item: SopItem) -> None:
    try:
        item.save()
    except PynamoDBException as error:
        raise DependencyUnavailable("the SOP table did not accept the change") from error


def put_new(item: SopItem) -> bool:
    """Write ``item`` unless it exists; False when it did."""
    try:
        item.save(condition=SopItem.pk.does_not_exist())
    except PutError as error:
        if condition_failed(error):
            return False
        raise DependencyUnavailable("the SOP table did not accept the change") from error
    return True


def delete(pk: str, sk: str = META) -> None:
    try:
        SopItem.bound()(pk, sk).delete()
    except PynamoDBException as error:
        raise DependencyUnavailable("the SOP table did not accept the change") from error


def counter_update(tx: TransactWrite, pk: str, sk: str, count: int = 1, amount: int = 0) -> None:
    model = SopItem.bound()
    actions: list[Any] = [model.tally.add(count)]
    if amount:
        actions.append(model.amount.add(amount))
    tx.update(model(pk, sk), actions=actions)


# --- sop-due ------------------------------------------------------------------------------


class ByDue(GlobalSecondaryIndex["DueItem"]):
    class Meta:
        index_name = SOP_DUE.indexes[0].name
        projection = AllProjection()

    due_bucket = UnicodeAttribute(hash_key=True)
    due_at = NumberAttribute(range_key=True)


class ByBatch(GlobalSecondaryIndex["DueItem"]):
    class Meta:
        index_name = SOP_DUE.indexes[1].name
        projection = AllProjection()

    batch_id = UnicodeAttribute(hash_key=True)
    pk = UnicodeAttribute(range_key=True)


class ByContact(GlobalSecondaryIndex["DueItem"]):
    class Meta:
        index_name = SOP_DUE.indexes[2].name
        projection = AllProjection()

    contact_id = UnicodeAttribute(hash_key=True)
    planned_at = NumberAttribute(range_key=True)


class DueItem(TableModel):
    """A step due for one subject (``kind=item``) or a send batch (``kind=batch``)."""

    schema = SOP_DUE

    class Meta(TableModel.Meta):
        abstract = False
        # Only jobs read this table (the tick, stream processing), never a request that must
        # answer fast; a page of 1 MB of due items may take longer than a request's budget.
        read_timeout_seconds = 30

    pk = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute(default="item")
    plan_id = UnicodeAttribute()
    step_id = UnicodeAttribute()
    target = UnicodeAttribute(default="private")
    sender = UnicodeAttribute(default="")
    content = JSONAttribute(default=dict)
    content_key = UnicodeAttribute(default="")
    status = UnicodeAttribute(default=PENDING)
    # Index keys, each set only while it applies (DynamoDB refuses empty keys).
    due_bucket = UnicodeAttribute(null=True)
    due_at = NumberAttribute(null=True)
    batch_id = UnicodeAttribute(null=True)
    contact_id = UnicodeAttribute(null=True)
    planned_at = NumberAttribute(null=True)
    # Items
    exit_on = UnicodeSetAttribute(null=True)
    deferrals = NumberAttribute(default=0)
    sent_at = NumberAttribute(null=True)
    delivered_at = NumberAttribute(null=True)
    result = UnicodeAttribute(null=True)
    # Batches
    label = UnicodeAttribute(default="")
    recipients = NumberAttribute(null=True)
    msgid = UnicodeAttribute(null=True)
    created_at = NumberAttribute(null=True)
    poll_until = NumberAttribute(null=True)

    by_due = ByDue()
    by_batch = ByBatch()
    by_contact = ByContact()

    def schedule(self, at: int | None, now: int | None = None) -> None:
        """Put the item in the tick's index at ``at``, or take it out (None).

        An item due before ``now`` (its trigger was processed late: a requeued dead
        letter, a long WeCom outage) keeps its due time but goes into the bucket of
        ``now``, which the next tick reads: the tick never looks back further than a
        couple of hours, and such an item must not fall behind its cursor."""
        self.due_at = at
        self.due_bucket = None if at is None else bucket(at if now is None else max(at, now))


def due(buckets: Iterable[str], now: int) -> Iterator[DueItem]:
    model = DueItem.bound()
    try:
        for name in buckets:
            yield from model.by_due.query(name, model.due_at <= now)
    except PynamoDBException as error:
        raise DependencyUnavailable("the due items did not answer") from error


def batch_items(batch_id: str) -> list[DueItem]:
    model = DueItem.bound()
    try:
        return list(model.by_batch.query(batch_id))
    except PynamoDBException as error:
        raise DependencyUnavailable("the due items did not answer") from error


def contact_items(contact_id: str) -> list[DueItem]:
    model = DueItem.bound()
    try:
        return list(model.by_contact.query(contact_id))
    except PynamoDBException as error:
        raise DependencyUnavailable("the due items did not answer") from error


def get_due(pk: str) -> DueItem | None:
    model = DueItem.bound()
    try:
        return model.get(pk, consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise DependencyUnavailable("the due items did not answer") from error


def save_due(items: Iterable[DueItem]) -> None:
    """Write items whole (batch writes: 25 a request)."""
    model = DueItem.bound()
    try:
        with model.batch_write() as batch:
            for item in items:
                batch.save(item)
    except PynamoDBException as error:
        raise DependencyUnavailable("the due items did not accept the change") from error


def save_due_new(item: DueItem) -> bool:
    try:
        item.save(condition=DueItem.pk.does_not_exist())
    except PutError as error:
        if condition_failed(error):
            return False
        raise DependencyUnavailable("the due items did not accept the change") from error
    return True


class AlreadyDone(Exception):
    """The transaction's condition failed: its effect was already written."""


def transact(write: Callable[[TransactWrite], None]) -> None:
    try:
        with transaction() as tx:
            write(tx)
    except TransactWriteError as error:
        reasons = [r.code for r in (error.cancellation_reasons or []) if r is not None]
        if "ConditionalCheckFailed" in reasons:
            raise AlreadyDone from error
        raise DependencyUnavailable("the SOP tables did not accept the change") from error
