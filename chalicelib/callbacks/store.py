"""The callback inbox table: every accepted event, raw, written once before it is acted on."""

from __future__ import annotations

import time
from datetime import timedelta

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.callbacks.events import InboundEvent
from chalicelib.core.errors import DependencyUnavailable
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.schema import CALLBACK_EVENTS

RECEIVED = "received"
PENDING = "pending"


class PendingIndex(GlobalSecondaryIndex["CallbackEventModel"]):
    """Events still to be processed, by due time (sparse: done events leave it)."""

    class Meta:
        index_name = CALLBACK_EVENTS.indexes[0].name
        projection = AllProjection()

    pending_status = UnicodeAttribute(hash_key=True)
    due_at = NumberAttribute(range_key=True)


class CallbackEventModel(TableModel):
    schema = CALLBACK_EVENTS

    class Meta(TableModel.Meta):
        abstract = False

    pk = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    status = UnicodeAttribute(default=RECEIVED)
    pending_status = UnicodeAttribute(null=True)
    due_at = NumberAttribute(null=True)
    attempts = NumberAttribute(default=0)
    received_at = NumberAttribute()
    event_time = NumberAttribute(default=0)
    raw = UnicodeAttribute()
    expires_at = TTLAttribute()

    by_status = PendingIndex()


def record(event: InboundEvent, ttl_days: int) -> bool:
    """Store ``event`` unless its key is already there. True when this call stored it."""
    now = time.time()
    model = CallbackEventModel.bound()
    item = model(
        event.key,
        kind=event.kind,
        pending_status=PENDING,
        due_at=int(now),
        received_at=int(now),
        event_time=event.create_time,
        raw=event.raw,
        expires_at=timedelta(days=ttl_days),
    )
    try:
        item.save(condition=model.pk.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise DependencyUnavailable("the event store did not accept the event") from error
    return True


def get(key: str) -> CallbackEventModel | None:
    model = CallbackEventModel.bound()
    try:
        return model.get(key)
    except model.DoesNotExist:
        return None
