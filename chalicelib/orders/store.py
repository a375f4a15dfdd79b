"""The orders table's items (see :data:`chalicelib.storage.schema.ORDERS`).

- ``pk=order#<source>:<id>``, ``sk=order``: :class:`OrderItem` (``contact_id`` and
  ``ordered_at`` → by_contact once matched)
- ``pk=order#<key>``, ``sk=delivery#<fact id>``: :class:`DeliveryItem`, the raw delivery
- ``pk=unmatched#<ext|union|phone>#<value>``, ``sk=<order key>``: :class:`UnmatchedItem`
- ``pk=first#<contact>``, ``sk=first``: :class:`FirstOrderItem`, the contact's first paid order
- ``pk=order#<key>``, ``sk=waiting``: :class:`WaitingItem`, while the order has no contact

``feed`` and ``feed_at`` (the order time) put an item on the sparse ``by_feed`` index:
``feed=order`` on every order, ``feed=unmatched`` on the waiting marks.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import PynamoDBException

from chalicelib.orders import states
from chalicelib.orders.models import Delivery, Order, OrderRecord, Source
from chalicelib.storage.dynamo import TableModel, index
from chalicelib.storage.keys import Prefix
from chalicelib.storage.ops import (
    get_or_none,
    get_together,
    page,
    save_if,
    save_versioned,
    transact,
    unavailable,
)
from chalicelib.storage.schema import ORDERS
from chalicelib.storage.staged import Op, Writes, write

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

    from chalicelib.core.errors import DependencyUnavailable

ORDER = "order"
DELIVERY = "delivery#"
FIRST = "first"
WAITING = "waiting"
#: The two lists of the ``by_feed`` index.
FEED_ORDERS = "order"
FEED_UNMATCHED = "unmatched"


order_pk = Prefix("order#")
unmatched_pk = Prefix("unmatched#")


class OrdersItem(TableModel):
    schema = ORDERS

    class Meta(TableModel.Meta):
        abstract = True

    contact_id = UnicodeAttribute(null=True)
    ordered_at = NumberAttribute(null=True)
    #: DynamoDB's TTL removes the item then: set on stored deliveries only
    #: (``ORDER_DELIVERY_TTL_DAYS``), never on orders.
    expires_at = TTLAttribute(null=True)
    feed = UnicodeAttribute(null=True)
    feed_at = NumberAttribute(null=True)

    by_contact = index(ORDERS, "by_contact")
    by_feed = index(ORDERS, "by_feed")


class OrderItem(OrdersItem):
    source = UnicodeAttribute()
    order_id = UnicodeAttribute()
    status = UnicodeAttribute(default="pending")
    previous_status = UnicodeAttribute(null=True)
    amount_cents = NumberAttribute(null=True)
    currency = UnicodeAttribute(default="")
    facts = UnicodeSetAttribute(default=set)
    refunds = JSONAttribute(default=dict)  # refund id -> cents
    first_order = BooleanAttribute(default=False)
    channel = UnicodeAttribute(default="")
    code = UnicodeAttribute(default="")
    buyer_external_userid = UnicodeAttribute(default="")
    buyer_unionid = UnicodeAttribute(default="")
    buyer_phone_hash = UnicodeAttribute(default="")
    #: ordered_at came from the provider (else it is the first delivery's time).
    ordered_at_known = BooleanAttribute(default=False)
    version = NumberAttribute(default=0)
    updated_at = NumberAttribute(default=0)


class DeliveryItem(OrdersItem):
    source = UnicodeAttribute()
    topic = UnicodeAttribute(default="")
    delivery_id = UnicodeAttribute(default="")
    body = UnicodeAttribute(default="")
    #: What the product parsed from it (amounts, event, buyer keys: the phone hashed).
    fact = JSONAttribute(default=dict)
    received_at = NumberAttribute()
    first_received_at = NumberAttribute(null=True)
    received = NumberAttribute(default=0)
    #: The digest of the fact once it was fully applied (its signals heard): a retried
    #: delivery of the same fact is answered from this record alone.
    applied = UnicodeAttribute(null=True)


class UnmatchedItem(OrdersItem):
    order_key = UnicodeAttribute()
    at = NumberAttribute(default=0)


class WaitingItem(OrdersItem):
    order_key = UnicodeAttribute()


class FirstOrderItem(OrdersItem):
    order_key = UnicodeAttribute()


def order_of(item: OrderRecord) -> Order:
    """The order as the context tells it (refunds settled against its total)."""
    refunds = dict(item.refunds)
    accepted, rejected = states.settle_refunds(refunds, item.amount_cents)
    return Order.model_validate(
        {
            "order_key": item.order_key,
            "source": item.source,
            "order_id": item.order_id,
            "contact_id": item.contact_id,
            "status": item.status,
            "previous_status": item.previous_status,
            "amount_cents": item.amount_cents,
            "refunded_cents": sum(accepted.values()),
            "rejected_refunds": rejected,
            "currency": item.currency,
            "ordered_at": item.ordered_at,
            "first_order": item.first_order,
            "channel": item.channel,
            "code": item.code,
            "facts": sorted(item.facts),
            "updated_at": item.updated_at,
        }
    )


_FIELDS = (
    "status",
    "previous_status",
    "contact_id",
    "ordered_at_known",
    "currency",
    "first_order",
    "channel",
    "code",
    "buyer_external_userid",
    "buyer_unionid",
    "buyer_phone_hash",
)


def _record(item: OrderItem) -> OrderRecord:
    record = OrderRecord(
        source=cast(Source, item.source),
        order_id=item.order_id,
        ordered_at=int(item.ordered_at or 0),
        amount_cents=None if item.amount_cents is None else int(item.amount_cents),
        facts=set(item.facts or set()),
        refunds={str(k): int(v) for k, v in (item.refunds or {}).items()},
        version=int(item.version or 0),
        updated_at=int(item.updated_at or 0),
    )
    for name in _FIELDS:
        setattr(record, name, getattr(item, name))
    return record


def _item(record: OrderRecord) -> OrderItem:
    item = OrderItem(
        order_pk(record.order_key),
        ORDER,
        source=record.source,
        order_id=record.order_id,
        ordered_at=record.ordered_at,
        amount_cents=record.amount_cents,
        facts=set(record.facts),
        refunds=dict(record.refunds),
        version=record.version,
        updated_at=record.updated_at,
        feed=FEED_ORDERS,
        feed_at=record.ordered_at,
    )
    for name in _FIELDS:
        setattr(item, name, getattr(record, name))
    return item


WHAT = "the orders table"


def _unavailable(error: Exception) -> DependencyUnavailable:
    return unavailable(WHAT)


def save_delivery(
    order_key: str,
    fact_id: str,
    source: str,
    topic: str,
    delivery_id: str,
    body: str,
    at: int,
    fact: dict[str, Any] | None = None,
    expires_at: datetime | None = None,
) -> str | None:
    """Keep the delivery, redacted (the latest copy, the first receipt time and a count),
    with the fact parsed from it, until ``expires_at``; the digest of the fact last fully
    applied from this record (one UpdateItem)."""
    model = DeliveryItem
    item = model(order_pk(order_key), f"{DELIVERY}{fact_id}")
    expiry = [] if expires_at is None else [model.expires_at.set(expires_at)]
    try:
        item.update(
            actions=[
                *expiry,
                model.source.set(source),
                model.topic.set(topic),
                model.delivery_id.set(delivery_id),
                model.body.set(body),
                model.fact.set(fact or {}),
                model.received_at.set(at),
                model.first_received_at.set(model.first_received_at | at),
                model.received.add(1),
            ]
        )
    except PynamoDBException as error:
        raise _unavailable(error) from error
    return item.applied


def mark_applied(order_key: str, fact_id: str, digest: str) -> None:
    """The fact of this delivery record was applied in full: inside a processing pass,
    written last, with the pass's other read-model writes (after every other write)."""
    model = DeliveryItem
    item = model(order_pk(order_key), f"{DELIVERY}{fact_id}")
    write(Writes(WHAT, [Op(item, actions=[model.applied.set(digest)])], last=True))


def get_order(order_key: str) -> OrderRecord | None:
    found = get_or_none(OrderItem, order_pk(order_key), ORDER, consistent=True)
    return None if found is None else _record(found)


def order_and_first(order_key: str, contact_id: str) -> tuple[OrderRecord | None, str]:
    """The order, and which order is the contact's first paid one (``""``: none yet), in
    one read."""
    order, first = get_together(
        [(OrderItem, order_pk(order_key), ORDER), (FirstOrderItem, f"first#{contact_id}", FIRST)]
    )
    holder = first.order_key if isinstance(first, FirstOrderItem) else ""
    return (_record(order) if isinstance(order, OrderItem) else None), holder


def new_order(order_key: str, source: Source, order_id: str) -> OrderRecord:
    return OrderRecord(source=source, order_id=order_id)


def save_order(record: OrderRecord) -> None:
    """Write the order if nobody else did since it was read (its version unchanged);
    :class:`~chalicelib.storage.ops.Conflict` otherwise."""
    item = _item(record)
    save_versioned(item)
    record.version = int(item.version)


def save_first_order(record: OrderRecord) -> None:
    """Write the order (as :func:`save_order`) as its contact's first paid order, in one
    transaction; :class:`~chalicelib.storage.ops.Conflict` when the order changed or
    another order became the first meanwhile (read both again)."""
    item = _item(record)
    read = record.version
    model = OrderItem
    condition: Any = model.version == read
    if not read:
        condition = model.version.does_not_exist() | condition
    item.version = read + 1
    first = FirstOrderItem(f"first#{record.contact_id}", FIRST, order_key=record.order_key)

    def write(tx: TransactWrite) -> None:
        tx.save(item, condition=condition)
        tx.save(first, condition=FirstOrderItem.pk.does_not_exist())

    transact(write, WHAT)
    record.version = read + 1


def claim_first_order(contact_id: str, order_key: str) -> bool:
    """True when ``order_key`` is (or already was) the contact's first paid order (one
    conditional put)."""
    model = FirstOrderItem
    item = model(f"first#{contact_id}", FIRST, order_key=order_key)
    return save_if(item, model.pk.does_not_exist() | (model.order_key == order_key))


def put_unmatched(keys: list[tuple[str, str]], order_key: str, at: int) -> None:
    model = UnmatchedItem
    try:
        for kind, value in keys:
            model(unmatched_pk(kind, value), order_key, order_key=order_key, at=at).save()
    except PynamoDBException as error:
        raise _unavailable(error) from error


def unmatched(kind: str, value: str) -> list[str]:
    model = UnmatchedItem
    try:
        return [item.order_key for item in model.query(unmatched_pk(kind, value))]
    except PynamoDBException as error:
        raise _unavailable(error) from error


def drop_unmatched(keys: list[tuple[str, str]], order_key: str) -> None:
    model = UnmatchedItem
    try:
        for kind, value in keys:
            model(unmatched_pk(kind, value), order_key).delete()
    except PynamoDBException as error:
        raise _unavailable(error) from error


def orders_page(
    contact_id: str, limit: int, cursor: str | None
) -> tuple[list[OrderRecord], str | None]:
    """A page of a contact's orders, newest first, and the next page's cursor."""
    model = OrderItem
    try:
        items, following = page(
            model, contact_id, limit, cursor, index="by_contact", newest_first=True
        )
    except PynamoDBException as error:
        raise _unavailable(error) from error
    return [_record(item) for item in items if isinstance(item, OrderItem)], following


def orders_of(contact_id: str, since: int | None = None, limit: int = 500) -> Iterator[OrderRecord]:
    """A contact's orders, newest first (the by_contact index, never a scan)."""
    model = OrderItem
    condition = None if since is None else model.ordered_at >= since
    try:
        found = model.by_contact.query(contact_id, condition, scan_index_forward=False, limit=limit)
        yield from (_record(item) for item in found if isinstance(item, OrderItem))
    except PynamoDBException as error:
        raise _unavailable(error) from error


# --- the order lists (the by_feed index) -------------------------------------------------


def mark_waiting(order_key: str, ordered_at: int) -> None:
    """Put the order on the unmatched list (again: the same item)."""
    item = WaitingItem(
        order_pk(order_key), WAITING, order_key=order_key, feed=FEED_UNMATCHED, feed_at=ordered_at
    )
    try:
        item.save()
    except PynamoDBException as error:
        raise _unavailable(error) from error


def unmark_waiting(order_key: str) -> None:
    try:
        WaitingItem(order_pk(order_key), WAITING).delete()
    except PynamoDBException as error:
        raise _unavailable(error) from error


def _feed(
    model: type[OrdersItem], name: str, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    """A page of one list of the by_feed index, newest first (the cursor checked by
    :mod:`chalicelib.core.paging`: a 400 ``invalid_cursor`` when it is not one it gave)."""
    try:
        return page(model, name, limit, cursor, index="by_feed", newest_first=True)
    except PynamoDBException as error:
        raise _unavailable(error) from error


def all_orders(limit: int, cursor: str | None) -> tuple[list[OrderRecord], str | None]:
    """A page of every order, newest first, and the next page's cursor."""
    items, following = _feed(OrderItem, FEED_ORDERS, limit, cursor)
    return [_record(item) for item in items if isinstance(item, OrderItem)], following


def waiting(limit: int, cursor: str | None) -> tuple[list[str], str | None]:
    """A page of the keys of the orders waiting for their contact, newest first."""
    marks, following = _feed(WaitingItem, FEED_UNMATCHED, limit, cursor)
    return [mark.order_key for mark in marks if isinstance(mark, WaitingItem)], following


def orders(order_keys: list[str]) -> dict[str, OrderRecord]:
    """The orders named, by key (one batch read)."""
    model = OrderItem
    try:
        found = model.batch_get([(order_pk(key), ORDER) for key in order_keys])
        return {record.order_key: record for record in map(_record, found)}
    except PynamoDBException as error:
        raise _unavailable(error) from error


def deliveries(order_key: str) -> list[Delivery]:
    """Every delivery received for the order (one item per fact)."""
    model = DeliveryItem
    try:
        return [
            Delivery(
                fact_id=item.sk.removeprefix(DELIVERY),
                source=cast(Source, item.source),
                topic=item.topic,
                delivery_id=item.delivery_id,
                received_at=int(item.received_at),
                first_received_at=None
                if item.first_received_at is None
                else int(item.first_received_at),
                received=int(item.received or 0),
                body=item.body,
            )
            for item in model.query(order_pk(order_key), model.sk.startswith(DELIVERY))
        ]
    except PynamoDBException as error:
        raise _unavailable(error) from error
