"""The callback inbox table: every accepted event, raw, written once before it is acted on.

An event's life: ``received`` (stored by the callback) → ``processing`` (claimed under a
lease) → ``processed``; or → ``failed`` (retried later with backoff) → … → ``dead`` after
``max_attempts``. While unfinished it sits in the sparse ``by_status`` index under
``pending_status = pending#<n>``, its write shard (a hash of its key, one of the index's
``shards`` in :mod:`chalicelib.storage.schema`), so the events of a burst spread over as
many index partitions; dead letters sit there under ``dead``; processed events leave the
index. The sweeper reads every shard (and ``pending``, where events stored before the
shards still wait).
"""

from __future__ import annotations

import hashlib
import heapq
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import (
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import PutError, PynamoDBException, UpdateError

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.storage.dynamo import TableModel, condition_failed, index
from chalicelib.storage.schema import CALLBACK_EVENTS

if TYPE_CHECKING:
    from chalicelib.wecom.inbound import InboundEvent

RECEIVED = "received"
PROCESSING = "processing"
PROCESSED = "processed"
FAILED = "failed"
DEAD = "dead"

PENDING = "pending"  # pending_status of events still to process (before the shards)
BY_STATUS = CALLBACK_EVENTS.indexes[0]


def pending_shard(key: str) -> str:
    """The ``pending_status`` of event ``key`` while unfinished: ``pending#<n>``."""
    shards = BY_STATUS.shard_values(PENDING)
    return shards[int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % len(shards)]


class CallbackEventModel(TableModel):
    schema = CALLBACK_EVENTS
    kind = UnicodeAttribute()
    status = UnicodeAttribute(default=RECEIVED)
    pending_status = UnicodeAttribute(null=True)
    due_at = NumberAttribute(null=True)
    attempts = NumberAttribute(default=0)
    lease_until = NumberAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    received_at = NumberAttribute()
    processed_at = NumberAttribute(null=True)
    event_time = NumberAttribute(default=0)
    raw = UnicodeAttribute()
    expires_at = TTLAttribute()
    #: What an earlier attempt's processing pass finished (``signals.Pass.done``).
    done = UnicodeSetAttribute(null=True)

    by_status = index(CALLBACK_EVENTS, BY_STATUS.name)


#: A stored event is the stream processor's this long: the record of its INSERT (the
#: stream's new image) is all it reads, and a sweep takes it only after that.
STREAM_LEASE_S = 120


def record(event: InboundEvent, ttl_days: int) -> bool:
    """Store ``event`` unless its key is already there, due for a sweep once the stream
    processor's time is over. True when this call stored it."""
    now = int(time.time())
    model = CallbackEventModel
    item = model(
        event.key,
        kind=event.kind,
        pending_status=pending_shard(event.key),
        due_at=now + STREAM_LEASE_S,
        received_at=now,
        event_time=event.create_time,
        raw=event.raw,
        expires_at=timedelta(days=ttl_days),
    )
    try:
        item.save(condition=model.pk.does_not_exist())
    except PutError as error:
        if condition_failed(error):
            return False
        raise DependencyUnavailable("the event store did not accept the event") from error
    return True


def get(key: str) -> CallbackEventModel | None:
    model = CallbackEventModel
    try:
        return model.get(key)
    except model.DoesNotExist:
        return None


def unclaimed_from_stream(
    image: dict[str, Any], now: float, margin_s: float
) -> CallbackEventModel | None:
    """The event of a stream record's new image when it is as :func:`record` stored it
    (never attempted, nobody's lease, before its sweep) with ``margin_s`` left before a
    sweep may take it: the stream processor acts on it without a claim. ``None``: claim
    it."""
    try:
        item = CallbackEventModel.from_raw_data(image)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    fresh = item.status == RECEIVED and not item.attempts and item.lease_until is None
    return item if fresh and now + margin_s <= int(item.due_at or 0) else None


def claim(key: str, now: float, lease_s: int) -> CallbackEventModel | None:
    """Take the lease on a pending event, or ``None`` if it is done or leased by another."""
    model = CallbackEventModel
    item = model(key)
    try:
        item.update(
            actions=[
                model.status.set(PROCESSING),
                model.lease_until.set(int(now) + lease_s),
                model.attempts.add(1),
            ],
            condition=(
                (model.pending_status == pending_shard(key)) | (model.pending_status == PENDING)
            )
            & (model.lease_until.does_not_exist() | (model.lease_until < int(now))),
        )
    except UpdateError as error:
        if condition_failed(error):
            return None
        raise DependencyUnavailable("the event store did not answer") from error
    return item


def complete(item: CallbackEventModel, now: float) -> bool:
    """Mark a claimed event processed; False if the lease was lost meanwhile."""
    model = type(item)
    return _finish(
        item,
        [
            model.status.set(PROCESSED),
            model.processed_at.set(int(now)),
            model.pending_status.remove(),
            model.due_at.remove(),
            model.lease_until.remove(),
            model.last_error.remove(),
        ],
    )


def retry_later(
    item: CallbackEventModel,
    error: str,
    due_at: float,
    *,
    dead: bool,
    done: set[str] | None = None,
) -> bool:
    """Record a failed attempt: due again at ``due_at``, or a dead letter; ``done`` is
    what its processing pass finished, skipped by the next attempt."""
    model = type(item)
    actions: list[object] = [
        model.status.set(DEAD if dead else FAILED),
        model.pending_status.set(DEAD if dead else pending_shard(item.pk)),
        model.due_at.set(int(due_at)),
        model.lease_until.remove(),
        model.last_error.set(error[:500]),
    ]
    if done:
        actions.append(model.done.set(done))
    if item.status == RECEIVED:  # the stream's unclaimed attempt (no claim counted it)
        actions.append(model.attempts.add(1))
    return _finish(item, actions)


def requeue(key: str, now: float) -> bool:
    """Put a dead letter back in the queue, due now, with a fresh attempt budget."""
    model = CallbackEventModel
    try:
        model(key).update(
            actions=[
                model.status.set(FAILED),
                model.pending_status.set(pending_shard(key)),
                model.due_at.set(int(now)),
                model.attempts.set(0),
            ],
            condition=model.pending_status == DEAD,
        )
    except UpdateError as error:
        if condition_failed(error):
            return False
        raise DependencyUnavailable("the event store did not answer") from error
    return True


def due(now: float, limit: int) -> Iterator[CallbackEventModel]:
    """Pending events due by ``now``, oldest first, at most ``limit``: a query of each
    shard's oldest (never a scan), merged by due time."""
    model = CallbackEventModel
    try:
        shards = [
            list(model.by_status.query(value, model.due_at <= int(now), limit=limit))
            for value in [*BY_STATUS.shard_values(PENDING), PENDING]
        ]
    except PynamoDBException as error:
        raise DependencyUnavailable("the event store did not answer") from error
    merged = heapq.merge(*shards, key=lambda item: int(item.due_at or 0))
    return iter(list(merged)[:limit])


def dead_letters(limit: int) -> Iterator[CallbackEventModel]:
    model = CallbackEventModel
    return model.by_status.query(DEAD, scan_index_forward=False, limit=limit)


def dead_letters_page(
    limit: int, cursor: str | None
) -> tuple[list[CallbackEventModel], str | None]:
    """A page of the dead letters, newest first, and the next page's cursor."""
    from chalicelib.storage.ops import page

    return page(CallbackEventModel, DEAD, limit, cursor, index="by_status", newest_first=True)


def _finish(item: CallbackEventModel, actions: list[object]) -> bool:
    model = type(item)
    try:
        item.update(
            actions=actions,  # type: ignore[arg-type]
            condition=(model.status == PROCESSING) & (model.lease_until == item.lease_until)
            if item.lease_until is not None
            else (model.status == RECEIVED) & model.lease_until.does_not_exist(),
        )
    except UpdateError as error:
        if condition_failed(error):
            return False
        raise DependencyUnavailable("the event store did not answer") from error
    return True
