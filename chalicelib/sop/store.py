"""The ``sop`` and ``sop-due`` tables.

``sop`` (pk, sk):
- ``plan#<id> / meta`` — a plan or a broadcast (``body`` holds its JSON); ``plans / <id>``
  and ``broadcasts / <id>`` list them without a scan;
- ``enrol#<plan>#<subject>#<round> / meta`` — a contact (or group) entered the plan;
- ``funnel#<plan>#<n> / <step>#<counter>`` — counters (targeted, deferred, exited, orders)
  added to in one of :data:`COUNTER_SHARDS` shards; ``funnel#<plan> / <step>#targeted`` a
  broadcast's whole count and ``<step>#batch#<batch id>`` absolute send results per batch
  (rewritten on every poll); a funnel read adds every shard up;
- ``segment#<name> / <contact>`` — who is in a screening segment (from ``SegmentChanged``);
- ``tick / cursor`` — the oldest hour bucket that may still hold due items.

``sop-due`` (pk): due items ``<plan>#<step>#<subject>#<round>`` and send batches
``batch#<id>``; see :data:`chalicelib.storage.schema.SOP_DUE` for the indexes. The
``by_due`` partition of an item is its due hour and a shard of its key
(``<YYYYMMDDHH>#<n>``, :data:`DUE_SHARDS`), so the items of one hour spread over several
partitions; the tick reads them all.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import PynamoDBException

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.storage import ops
from chalicelib.storage.dynamo import TableModel, index
from chalicelib.storage.once import apply_once
from chalicelib.storage.schema import SOP, SOP_DUE

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

META = "meta"
#: The plans' listing: one row per plan (``sk`` its id, ``value`` its trigger's kind).
PLANS = "plans"


def plan_pk(route_id: str) -> str:
    """A plan's (or a broadcast's) record."""
    return f"plan#{route_id}"


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
# Batch states: filling (members being added, never claimed), open (about to be claimed
# and sent, or claimed without an answer), polling (sent, results pending), done.
FILLING, OPEN, POLLING, DONE = "filling", "open", "polling", "done"
#: Items planned in bulk (a broadcast, a date plan: 100,000 items due the same minute) are
#: spread over this many ``by_due`` partitions of their hour, ``<YYYYMMDDHH>#<n>`` with n
#: from the recipient; the hour is listed under ``pk=due-shards`` first, so the tick reads
#: the shards of those hours only. Items entered one by one stay in ``<YYYYMMDDHH>``.
DUE_SHARDS = 8
SHARDED = "due-shards"
#: A plan's funnel counters, moved by every enrolment, exit and deferral, are spread over
#: this many partitions ``funnel#<plan>#<n>``; reads add them up.
COUNTER_SHARDS = 8


def bucket(at: int) -> str:
    """The UTC hour a due time falls in (the tick's cursor)."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y%m%d%H")


def shard_of(key: str, shards: int) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % shards


def due_bucket(key: str, at: int) -> str:
    """The ``by_due`` partition of an item due at ``at``: its hour and a shard of ``key``
    (its recipient: one customer's items share a partition, read in due order)."""
    return f"{bucket(at)}#{shard_of(key, DUE_SHARDS)}"


def hour_of(due_partition: str) -> str:
    return due_partition.partition("#")[0]


def buckets_between(first: str, last_at: int) -> list[str]:
    """The hours from ``first`` to the one of ``last_at``."""
    start = int(datetime.strptime(first, "%Y%m%d%H").replace(tzinfo=UTC).timestamp())
    return [bucket(at) for at in range(start, last_at + 1, 3600)] or [bucket(last_at)]


def partitions_of(hour: str, sharded: bool) -> list[str]:
    """The ``by_due`` partitions of an hour: the hour, and its shards if it has any."""
    return [hour, *(f"{hour}#{n}" for n in range(DUE_SHARDS) if sharded)]


# --- sop ----------------------------------------------------------------------------------


class SopItem(TableModel):
    schema = SOP
    body = JSONAttribute(null=True)
    value = UnicodeAttribute(null=True)
    tally = NumberAttribute(null=True)
    amount = NumberAttribute(null=True)
    at = NumberAttribute(null=True)


@dataclass(frozen=True)
class Row:
    """One row of the ``sop`` table: a plan's record (``body``), a listing entry, a
    counter (``tally``, ``amount``), a segment member, the tick's cursor."""

    pk: str
    sk: str = META
    body: dict[str, Any] | None = None
    value: str | None = None
    tally: int | None = None
    amount: int | None = None
    at: int | None = None


def _row(item: SopItem) -> Row:
    return Row(
        item.pk,
        item.sk,
        body=item.body,
        value=item.value,
        tally=None if item.tally is None else int(item.tally),
        amount=None if item.amount is None else int(item.amount),
        at=None if item.at is None else int(item.at),
    )


def _sop_item(row: Row) -> SopItem:
    return SopItem(
        row.pk,
        row.sk,
        body=row.body,
        value=row.value,
        tally=row.tally,
        amount=row.amount,
        at=row.at,
    )


def get_item(pk: str, sk: str = META) -> Row | None:
    item = ops.get_or_none(SopItem, pk, sk)
    return None if item is None else _row(item)


def get_many(keys: Sequence[tuple[str, str]]) -> list[Row]:
    """The rows of ``keys`` that exist (BatchGetItem, 100 keys a request)."""
    if not keys:
        return []
    try:
        return [_row(item) for item in SopItem.batch_get(list(keys))]
    except PynamoDBException as error:
        raise ops.unavailable("the SOP table") from error


def query(pk: str, prefix: str | None = None) -> Iterator[Row]:
    condition = SopItem.sk.startswith(prefix) if prefix else None
    try:
        for item in SopItem.query(pk, condition):
            yield _row(item)
    except PynamoDBException as error:
        raise ops.unavailable("the SOP table") from error


def query_page(pk: str, after: str | None, limit: int) -> tuple[list[Row], str | None]:
    """Up to ``limit`` rows of ``pk`` after sort key ``after``, and where the next page
    starts (``None``: the last page)."""
    start = None if after is None else {"pk": {"S": pk}, "sk": {"S": after}}
    try:
        found = SopItem.query(pk, limit=limit, last_evaluated_key=start)
        items = [_row(item) for item in found]
    except PynamoDBException as error:
        raise ops.unavailable("the SOP table") from error
    following = found.last_evaluated_key
    return items, None if following is None else str(following["sk"]["S"])


def put(row: Row) -> None:
    try:
        _sop_item(row).save()
    except PynamoDBException as error:
        raise DependencyUnavailable("the SOP table did not accept the change") from error


def put_new(row: Row) -> bool:
    """Write ``row`` unless it exists; False when it did."""
    return ops.put_new(_sop_item(row))


def delete(pk: str, sk: str = META) -> None:
    try:
        SopItem(pk, sk).delete()
    except PynamoDBException as error:
        raise DependencyUnavailable("the SOP table did not accept the change") from error


def counter_pks(pk: str) -> list[str]:
    """Where the counters of ``pk`` live: ``pk`` itself (whole values, older counters)
    and its shards."""
    return [pk, *(f"{pk}#{n}" for n in range(COUNTER_SHARDS))]


def counter_update(tx: TransactWrite, pk: str, sk: str, count: int = 1, amount: int = 0) -> None:
    """Add to counter ``sk`` of ``pk`` in one of its shards (chosen at random: any shard
    will do, reads add them all up)."""
    actions: list[Any] = [SopItem.tally.add(count)]
    if amount:
        actions.append(SopItem.amount.add(amount))
    shard = f"{pk}#{random.randrange(COUNTER_SHARDS)}"
    tx.update(SopItem(shard, sk), actions=actions)


# --- sop-due ------------------------------------------------------------------------------


class DueItem(TableModel):
    """A step due for one subject (``kind=item``) or a send batch (``kind=batch``)."""

    schema = SOP_DUE

    class Meta(TableModel.Meta):
        abstract = False
        # Only jobs read this table (the tick, stream processing), never a request that must
        # answer fast; a page of 1 MB of due items may take longer than a request's budget.
        read_timeout_seconds = 30

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

    by_due = index(SOP_DUE, "by_due")
    by_batch = index(SOP_DUE, "by_batch")
    by_contact = index(SOP_DUE, "by_contact")


@dataclass(slots=True)
class Due:
    """A step due for one subject (``kind=item``) or a send batch (``kind=batch``): what
    the tick, the planner and the triggers work with. The tick moves it along (status,
    due time, results) and saves it back whole."""

    pk: str
    plan_id: str
    step_id: str
    kind: str = "item"
    target: str = "private"
    sender: str = ""
    content: dict[str, Any] = field(default_factory=dict)
    content_key: str = ""
    status: str = PENDING
    due_bucket: str | None = None
    due_at: int | None = None
    batch_id: str | None = None
    contact_id: str | None = None
    planned_at: int | None = None
    exit_on: set[str] | None = None
    deferrals: int = 0
    sent_at: int | None = None
    delivered_at: int | None = None
    result: str | None = None
    label: str = ""
    recipients: int | None = None
    msgid: str | None = None
    created_at: int | None = None
    poll_until: int | None = None

    def hour(self) -> str | None:
        """The hour of the ``by_due`` partition the item is in."""
        return None if self.due_bucket is None else hour_of(self.due_bucket)

    def schedule(self, at: int | None, now: int | None = None, *, spread: bool = False) -> None:
        """Put the item in the tick's index at ``at``, or take it out (None).

        An item due before ``now`` (its trigger was processed late: a requeued dead
        letter, a long WeCom outage) keeps its due time but goes into the bucket of
        ``now``, which the next tick reads: the tick never looks back further than a
        couple of hours, and such an item must not fall behind its cursor."""
        self.due_at = at
        if at is None:
            self.due_bucket = None
            return
        when = at if now is None else max(at, now)
        self.due_bucket = due_bucket(self.contact_id or self.pk, when) if spread else bucket(when)


#: The attributes a due item and its stored form share, besides its key.
_DUE_FIELDS = tuple(name for name in Due.__dataclass_fields__ if name != "pk")
_DUE_STORED = frozenset(_DUE_FIELDS)


def _due(item: DueItem) -> Due:
    # Numbers come back as int (what was written); absent attributes take Due's defaults.
    values = item.attribute_values
    return Due(item.pk, **{k: v for k, v in values.items() if k in _DUE_STORED})


#: Each stored attribute of a due row, by its name in DynamoDB: the field it fills.
_DUE_READ = {
    attribute.attr_name: name
    for name, attribute in DueItem.get_attributes().items()
    if name in _DUE_STORED
}


#: The model's defaults, which a read fills in for an absent attribute.
_DUE_DEFAULTS: dict[str, Any] = {
    name: attribute.default
    for name, attribute in DueItem.get_attributes().items()
    if name in _DUE_STORED and attribute.default is not None
}


def _number(value: str) -> int | float:
    return int(value) if value.lstrip("-").isdigit() else float(value)


#: How a value of each DynamoDB type becomes the field's (what PynamoDB's attributes of
#: :class:`DueItem` return: ``content`` is the one JSON string).
_DECODE: dict[str, Any] = {
    "S": str,
    "N": _number,
    "SS": set,
    "NULL": lambda _: None,
}


def _due_of(raw: dict[str, dict[str, Any]], contents: dict[str, Any]) -> Due:
    """A due row straight from DynamoDB's answer, as :func:`_due` reads it from the model
    without building one: a tick reads up to 100,000 rows, and the model's attribute
    machinery cost more than botocore's parsing of them. The rows of a step carry the
    same content: each text is parsed once (``contents``), its rows share it, read only."""
    values: dict[str, Any] = {}
    for stored, typed in raw.items():
        name = _DUE_READ.get(stored)
        if name is None:
            continue
        ((kind, value),) = typed.items()
        values[name] = _DECODE[kind](value)
    content = values.get("content")
    if isinstance(content, str):
        if content not in contents:
            contents[content] = json.loads(content, strict=False)
        values["content"] = contents[content]
    for name, default in _DUE_DEFAULTS.items():
        if values.get(name) is None:
            values[name] = default() if callable(default) else default
    return Due(str(raw["pk"]["S"]), **values)


def _due_item(due: Due) -> DueItem:
    # The values go straight into the item, as a read fills it: the tick saves every due
    # row it moves, and setting 24 attributes one by one costs five times as much.
    item = DueItem(_user_instantiated=False)
    values = item.attribute_values
    values["pk"] = due.pk
    for name in _DUE_FIELDS:
        value = getattr(due, name)
        if value is not None:
            values[name] = value
    return item


def mark_sharded(hours: Iterable[str]) -> None:
    """List ``hours`` as holding sharded items (before any is written)."""
    for hour in sorted(set(hours)):
        put(Row(SHARDED, hour))


def sharded_hours(first: str, last: str) -> set[str]:
    """The hours from ``first`` to ``last`` that hold sharded items (one Query)."""
    try:
        return {item.sk for item in SopItem.query(SHARDED, SopItem.sk.between(first, last))}
    except PynamoDBException as error:
        raise ops.unavailable("the SOP table") from error


def due_page(
    partition: str, now: int, start: dict[str, Any] | None, limit: int
) -> tuple[list[Due], dict[str, Any] | None]:
    """One page (at most ``limit``) of the items of a ``by_due`` partition due by
    ``now``, and the key the next page starts after (``None``: the last page)."""
    try:
        answer = DueItem._get_connection().query(
            partition,
            DueItem.due_at <= now,
            index_name=DueItem.by_due.Meta.index_name,
            exclusive_start_key=start,
            limit=limit,
        )
    except PynamoDBException as error:
        raise DependencyUnavailable("the due items did not answer") from error
    contents: dict[str, Any] = {}
    items = [_due_of(raw, contents) for raw in answer.get("Items", ())]
    return items, answer.get("LastEvaluatedKey")


def due(buckets: Iterable[str], now: int) -> Iterator[Due]:
    """Every item due by ``now`` in the hours ``buckets`` (all their partitions)."""
    hours = list(buckets)
    sharded = sharded_hours(hours[0], hours[-1]) if hours else set()
    for hour in hours:
        for partition in partitions_of(hour, hour in sharded):
            start: dict[str, Any] | None = None
            while True:
                items, start = due_page(partition, now, start, 1000)
                yield from items
                if start is None:
                    break


def batch_items(batch_id: str) -> list[Due]:
    try:
        return [_due(item) for item in DueItem.by_batch.query(batch_id)]
    except PynamoDBException as error:
        raise DependencyUnavailable("the due items did not answer") from error


def batch_pages(batch_id: str, limit: int = 500) -> Iterator[list[Due]]:
    """The members of a batch, a page at a time (a batch holds up to 10,000)."""
    start: dict[str, Any] | None = None
    try:
        while True:
            found = DueItem.by_batch.query(batch_id, limit=limit, last_evaluated_key=start)
            items = [_due(item) for item in found]
            if items:
                yield items
            start = found.last_evaluated_key
            if start is None:
                return
    except PynamoDBException as error:
        raise DependencyUnavailable("the due items did not answer") from error


def contact_items(contact_id: str) -> list[Due]:
    try:
        return [_due(item) for item in DueItem.by_contact.query(contact_id)]
    except PynamoDBException as error:
        raise DependencyUnavailable("the due items did not answer") from error


def get_due(pk: str) -> Due | None:
    try:
        item = ops.get_or_none(DueItem, pk, consistent=True)
    except DependencyUnavailable as error:
        raise DependencyUnavailable("the due items did not answer") from error
    return None if item is None else _due(item)


def save_due(items: Iterable[Due]) -> None:
    """Write items whole (batch writes: 25 a request)."""
    try:
        with DueItem.batch_write() as batch:
            for item in items:
                batch.save(_due_item(item))
    except PynamoDBException as error:
        raise DependencyUnavailable("the due items did not accept the change") from error


def save_due_new(item: Due) -> bool:
    return ops.put_new(_due_item(item))


def get_due_many(pks: Sequence[str]) -> list[Due]:
    """The items of ``pks`` that exist (consistent BatchGetItem, 100 keys a request)."""
    if not pks:
        return []
    try:
        return [_due(item) for item in DueItem.batch_get(list(pks), consistent_read=True)]
    except PynamoDBException as error:
        raise DependencyUnavailable("the due items did not answer") from error


# --- moves of a due item and its counters, each in one transaction ------------------------


def _transact(write: Callable[[TransactWrite], None]) -> bool:
    """One transaction over the SOP tables; False when its condition failed (its effect
    was already written)."""
    try:
        ops.transact(write, "the SOP tables")
    except ops.Conflict:
        return False
    return True


def _save_counted(item: Due, condition: Any, counter: tuple[str, str]) -> bool:
    def write(tx: TransactWrite) -> None:
        tx.save(_due_item(item), condition=condition)
        counter_update(tx, *counter)

    return _transact(write)


def enrol(
    enrolment_pk: str,
    sender: str,
    at: int,
    items: Sequence[Due],
    counters: Sequence[tuple[str, str]],
) -> bool:
    """Record an enrolment with its due items, adding one to each of ``counters``
    (``(funnel pk, counter)``), all or nothing; False when the enrolment was recorded
    before."""
    enrolment = SopItem(enrolment_pk, META, at=at, value=sender)

    def write(tx: TransactWrite) -> None:
        tx.save(enrolment, condition=SopItem.pk.does_not_exist())
        for item in items:
            tx.save(_due_item(item))
        for pk, sk in counters:
            counter_update(tx, pk, sk)

    return _transact(write)


def defer(item: Due, previous_due_at: int | None, funnel: str) -> bool:
    """Save ``item`` moved to its new due time and count a deferral of its step, both or
    neither; False when the item was moved already (its due time is not
    ``previous_due_at`` any more: a re-run)."""
    condition = DueItem.due_at == previous_due_at
    return _save_counted(item, condition, (funnel, f"{item.step_id}#deferred"))


def expire(item: Due, previous_due_at: int | None, funnel: str) -> bool:
    """Save ``item`` expired and count it so in its step's funnel, once (False: done
    before)."""
    condition = DueItem.due_at == previous_due_at
    return _save_counted(item, condition, (funnel, f"{item.step_id}#expired"))


def exit_route(item: Due, funnel: str) -> bool:
    """Save ``item`` cancelled and count an exit of its step, if it was still pending
    (False: it was not any more)."""
    condition = DueItem.status == PENDING
    return _save_counted(item, condition, (funnel, f"{item.step_id}#exited"))


def count_conversion(effect_id: str, funnel: str, step_id: str, amount_cents: int) -> bool:
    """Count an order (and its amount) for a step, once per ``effect_id``."""

    def write(tx: TransactWrite) -> None:
        counter_update(tx, funnel, f"{step_id}#orders", amount=amount_cents)

    return apply_once(effect_id, write)
