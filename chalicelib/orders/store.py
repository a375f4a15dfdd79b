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

import base64
import binascii
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import DeleteError, PutError, PynamoDBException
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.storage.dynamo import TableModel, condition_failed
from chalicelib.storage.schema import ORDERS

ORDER = "order"
DELIVERY = "delivery#"
FIRST = "first"
WAITING = "waiting"
#: The two lists of the ``by_feed`` index.
FEED_ORDERS = "order"
FEED_UNMATCHED = "unmatched"


class Conflict(Exception):
    """Someone else wrote the item since it was read: read again and retry."""


def order_pk(order_key: str) -> str:
    return f"order#{order_key}"


def unmatched_pk(kind: str, value: str) -> str:
    return f"unmatched#{kind}#{value}"


class ByContact(GlobalSecondaryIndex["OrdersItem"]):
    class Meta:
        index_name = ORDERS.indexes[0].name
        projection = AllProjection()

    contact_id = UnicodeAttribute(hash_key=True)
    ordered_at = NumberAttribute(range_key=True)


class ByFeed(GlobalSecondaryIndex["OrdersItem"]):
    class Meta:
        index_name = ORDERS.indexes[1].name
        projection = AllProjection()

    feed = UnicodeAttribute(hash_key=True)
    feed_at = NumberAttribute(range_key=True)


class BadCursor(ValueError):
    """A cursor this table did not give out."""


class OrdersItem(TableModel):
    schema = ORDERS

    class Meta(TableModel.Meta):
        abstract = True

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    contact_id = UnicodeAttribute(null=True)
    ordered_at = NumberAttribute(null=True)
    #: DynamoDB's TTL removes the item then: set on stored deliveries only
    #: (``ORDER_DELIVERY_TTL_DAYS``), never on orders.
    expires_at = TTLAttribute(null=True)
    feed = UnicodeAttribute(null=True)
    feed_at = NumberAttribute(null=True)

    by_contact = ByContact()
    by_feed = ByFeed()


class OrderItem(OrdersItem):
    class Meta(TableModel.Meta):
        abstract = False

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
    class Meta(TableModel.Meta):
        abstract = False

    source = UnicodeAttribute()
    topic = UnicodeAttribute(default="")
    delivery_id = UnicodeAttribute(default="")
    body = UnicodeAttribute(default="")
    #: What the product parsed from it (amounts, event, buyer keys: the phone hashed).
    fact = JSONAttribute(default=dict)
    received_at = NumberAttribute()
    first_received_at = NumberAttribute(null=True)
    received = NumberAttribute(default=0)


class UnmatchedItem(OrdersItem):
    class Meta(TableModel.Meta):
        abstract = False

    order_key = UnicodeAttribute()
    at = NumberAttribute(default=0)


class WaitingItem(OrdersItem):
    class Meta(TableModel.Meta):
        abstract = False

    order_key = UnicodeAttribute()


class FirstOrderItem(OrdersItem):
    class Meta(TableModel.Meta):
        abstract = False

    order_key = UnicodeAttribute()


def _unavailable(error: Exception) -> DependencyUnavailable:
    return DependencyUnavailable("the orders table did not answer")


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
) -> None:
    """Keep the delivery, redacted (the latest copy, the first receipt time and a count),
    with the fact parsed from it, until ``expires_at``."""
    model = DeliveryItem.bound()
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


def get_order(order_key: str) -> OrderItem | None:
    model = OrderItem.bound()
    try:
        return model.get(order_pk(order_key), ORDER, consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable(error) from error


def new_order(order_key: str, source: str, order_id: str) -> OrderItem:
    return OrderItem.bound()(order_pk(order_key), ORDER, source=source, order_id=order_id)


def save_order(item: OrderItem, read_version: int | None) -> None:
    """Write the order if nobody else did since it was read (``None``: it did not exist)."""
    model = OrderItem.bound()
    condition: Any = (
        model.pk.does_not_exist() if read_version is None else model.version == read_version
    )
    item.version = (read_version or 0) + 1
    item.feed = FEED_ORDERS
    item.feed_at = item.ordered_at
    try:
        item.save(condition=condition)
    except PutError as error:
        if condition_failed(error):
            raise Conflict from error
        raise _unavailable(error) from error


def claim_first_order(contact_id: str, order_key: str) -> bool:
    """True when ``order_key`` is (or already was) the contact's first paid order."""
    model = FirstOrderItem.bound()
    item = model(f"first#{contact_id}", FIRST, order_key=order_key)
    try:
        item.save(condition=model.pk.does_not_exist())
        return True
    except PutError as error:
        if not condition_failed(error):
            raise _unavailable(error) from error
    try:
        found = model.get(f"first#{contact_id}", FIRST, consistent_read=True)
    except PynamoDBException as error:
        raise _unavailable(error) from error
    return found.order_key == order_key


def put_unmatched(keys: list[tuple[str, str]], order_key: str, at: int) -> None:
    model = UnmatchedItem.bound()
    try:
        for kind, value in keys:
            model(unmatched_pk(kind, value), order_key, order_key=order_key, at=at).save()
    except PynamoDBException as error:
        raise _unavailable(error) from error


def unmatched(kind: str, value: str) -> list[str]:
    model = UnmatchedItem.bound()
    try:
        return [item.order_key for item in model.query(unmatched_pk(kind, value))]
    except PynamoDBException as error:
        raise _unavailable(error) from error


def drop_unmatched(keys: list[tuple[str, str]], order_key: str) -> None:
    model = UnmatchedItem.bound()
    try:
        for kind, value in keys:
            model(unmatched_pk(kind, value), order_key).delete()
    except (DeleteError, PynamoDBException) as error:
        raise _unavailable(error) from error


def orders_page(
    contact_id: str, limit: int, cursor: str | None
) -> tuple[list[OrderItem], str | None]:
    """A page of a contact's orders, newest first, and the next page's cursor."""
    from chalicelib.core.paging import PageRequest, query_page
    from chalicelib.storage.schema import ORDERS

    model = OrderItem.bound()
    try:
        items, following = query_page(
            lambda start: model.by_contact.query(
                contact_id, scan_index_forward=False, limit=limit, last_evaluated_key=start
            ),
            PageRequest(limit, cursor),
            ORDERS.page_key("by_contact"),
            {"contact_id": contact_id},
        )
    except PynamoDBException as error:
        raise _unavailable(error) from error
    return [item for item in items if isinstance(item, OrderItem)], following


def orders_of(contact_id: str, since: int | None = None, limit: int = 500) -> Iterator[OrderItem]:
    """A contact's orders, newest first (the by_contact index, never a scan)."""
    model = OrderItem.bound()
    condition = None if since is None else model.ordered_at >= since
    try:
        found = model.by_contact.query(contact_id, condition, scan_index_forward=False, limit=limit)
        yield from (item for item in found if isinstance(item, OrderItem))
    except PynamoDBException as error:
        raise _unavailable(error) from error


# --- the order lists (the by_feed index) -------------------------------------------------


def mark_waiting(order_key: str, ordered_at: int) -> None:
    """Put the order on the unmatched list (again: the same item)."""
    model = WaitingItem.bound()
    item = model(
        order_pk(order_key), WAITING, order_key=order_key, feed=FEED_UNMATCHED, feed_at=ordered_at
    )
    try:
        item.save()
    except PynamoDBException as error:
        raise _unavailable(error) from error


def unmark_waiting(order_key: str) -> None:
    model = WaitingItem.bound()
    try:
        model(order_pk(order_key), WAITING).delete()
    except (DeleteError, PynamoDBException) as error:
        raise _unavailable(error) from error


def _encode(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def _decode(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, UnicodeError, ValueError) as error:
        raise BadCursor("the cursor is not one this list gave") from error
    wanted = {"pk", "sk", "feed", "feed_at"}
    if not isinstance(key, dict) or set(key) != wanted:
        raise BadCursor("the cursor is not one this list gave")
    return key


def _feed(
    model: type[OrdersItem], name: str, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    start = _decode(cursor)
    try:
        found = model.by_feed.query(
            name, scan_index_forward=False, limit=limit, last_evaluated_key=start
        )
        items = list(found)
        following = _encode(found.last_evaluated_key)
    except PynamoDBException as error:
        raise _unavailable(error) from error
    return items, following


def all_orders(limit: int, cursor: str | None) -> tuple[list[OrderItem], str | None]:
    """A page of every order, newest first, and the next page's cursor."""
    return _feed(OrderItem.bound(), FEED_ORDERS, limit, cursor)


def waiting(limit: int, cursor: str | None) -> tuple[list[WaitingItem], str | None]:
    """A page of the orders waiting for their contact, newest first."""
    return _feed(WaitingItem.bound(), FEED_UNMATCHED, limit, cursor)


def orders(order_keys: list[str]) -> dict[str, OrderItem]:
    """The orders named, by key (one batch read)."""
    model = OrderItem.bound()
    try:
        found = model.batch_get([(order_pk(key), ORDER) for key in order_keys])
        return {f"{item.source}:{item.order_id}": item for item in found}
    except PynamoDBException as error:
        raise _unavailable(error) from error


def deliveries(order_key: str) -> list[DeliveryItem]:
    """Every delivery received for the order (one item per fact)."""
    model = DeliveryItem.bound()
    try:
        return list(model.query(order_pk(order_key), model.sk.startswith(DELIVERY)))
    except PynamoDBException as error:
        raise _unavailable(error) from error
