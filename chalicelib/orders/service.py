"""Use cases of the orders context: receive a webhook delivery, match orders to contacts,
list a contact's orders and what they spent.

A delivery is verified, parsed, stored raw, then applied to its order: the order's facts
grow (see :mod:`chalicelib.orders.states`), the status is derived from them, the order is
matched to a contact when it can be, and :class:`chalicelib.signals.OrderChanged` is
published (points, membership, reports and the rest hear it). A delivery record keeps the
digest of the fact once it was applied in full, so a retried delivery is answered from
that one write. Every step is idempotent per
provider order id + event, so a provider's retry (or a replay) changes nothing twice.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib import signals
from chalicelib.core.errors import DependencyUnavailable, DomainError, PayloadTooLarge
from chalicelib.core.observability import logger, metrics
from chalicelib.core.secrets import get_secret
from chalicelib.core.settings import get_settings
from chalicelib.orders import providers, signatures, states, store
from chalicelib.orders.errors import BadSignature, OrderBusy, OrderNotFound, UnknownSource
from chalicelib.orders.models import (
    SOURCES,
    Buyer,
    Fact,
    Order,
    OrderDetail,
    OrderPage,
    OrderRecord,
    Parsed,
)
from chalicelib.storage.ops import retry

if TYPE_CHECKING:
    from chalicelib.contacts.models import Contact

MAX_BODY_BYTES = 256 * 1024
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, object]


# --- receiving ----------------------------------------------------------------------------


def receive(
    source: str, headers: Mapping[str, str], raw: bytes, now: float | None = None
) -> Answer:
    """Verify, parse, store and apply one delivery; the answer the provider expects."""
    if source not in SOURCES:
        raise UnknownSource(f"no order source {source!r}; one of {', '.join(SOURCES)}")
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"a delivery is at most {MAX_BODY_BYTES} bytes")
    parsed = verify_and_parse(source, headers, raw, now)
    at = int(now if now is not None else time.time())
    body = providers.redacted(raw) if parsed.facts else ""
    expires_at = datetime.fromtimestamp(at + get_settings().order_delivery_ttl_days * 86_400, UTC)
    try:
        for fact in parsed.facts:
            logger.append_keys(order_key=fact.order_key)
            digest = fact_digest(fact)
            applied = store.save_delivery(
                fact.order_key,
                fact.fact_id,
                source,
                parsed.topic,
                fact.delivery_id,
                body,
                at,
                fact=asdict(fact),
                expires_at=expires_at,
            )
            if applied == digest:
                continue  # a retried delivery: its effect happened in full already
            with signals.processing_pass():
                apply(fact, at)
                # committed with the read models' writes, after every other write
                store.mark_applied(fact.order_key, fact.fact_id, digest)
    except DomainError:
        raise
    except Exception as error:  # stored: the provider's retry replays it
        logger.exception("order delivery stored but not fully applied")
        raise OrderBusy("the delivery is stored; applying it failed, retry") from error
    finally:
        logger.remove_keys(["order_key"])
    metrics.add_metric(name="OrderWebhookAccepted", unit=MetricUnit.Count, value=1)
    return Answer(200, parsed.answer)


def verify_and_parse(
    source: str, headers: Mapping[str, str], raw: bytes, now: float | None = None
) -> Parsed:
    """An unsigned delivery is refused before any secret is read (401 even where the
    source is not configured)."""
    if source == "shopify":
        header = headers.get(signatures.SHOPIFY_HMAC_HEADER)
        if not header:
            raise BadSignature(f"{signatures.SHOPIFY_HMAC_HEADER} is missing")
        secret = get_secret(signatures.SHOPIFY_WEBHOOK_SECRET)
        signatures.verify_shopify(secret, raw, header)
        return providers.shopify(raw, headers)
    if source == "youzan":
        body, client_id, msg, sign = providers.youzan_envelope(raw)
        if not sign:
            raise BadSignature("the Youzan push has no sign")
        secret = get_secret(signatures.YOUZAN_CLIENT_SECRET)
        signatures.verify_youzan(secret, client_id, msg, sign)
        expected = get_settings().youzan_client_id
        if expected and client_id != expected:
            raise BadSignature("the push is for another Youzan app", code="wrong_client")
        return providers.youzan(body)
    header = headers.get(signatures.GENERIC_SIGNATURE_HEADER)
    if not header:
        raise BadSignature(f"{signatures.GENERIC_SIGNATURE_HEADER} is missing")
    secret = get_secret(signatures.GENERIC_WEBHOOK_SECRET)
    signatures.verify_generic(secret, raw, header, get_settings().webhook_max_skew_s, now)
    return providers.generic(raw)


def fact_digest(fact: Fact) -> str:
    """What the fact says (not which delivery carried it), as a short digest."""
    said = asdict(fact)
    said.pop("delivery_id", None)
    return hashlib.sha256(json.dumps(said, sort_keys=True).encode()).hexdigest()[:32]


def apply(fact: Fact, at: int) -> Order:
    """Merge one fact into its order (once), match it to its contact, claim the contact's
    first paid order, and save it all in one write; then publish the state."""

    buyer = fact.buyer.external_userid

    def attempt() -> tuple[OrderRecord, bool]:
        holder: str | None = None  # the buyer's first paid order, when read with the order
        if buyer:
            item, holder = store.order_and_first(fact.order_key, buyer)
        else:
            item = store.get_order(fact.order_key)
        existed = item is not None
        if item is None:
            item = store.new_order(fact.order_key, fact.source, fact.order_id)
            item.ordered_at = fact.ordered_at or at
            item.ordered_at_known = fact.ordered_at is not None
        changed = _merge(item, fact, at)
        waited = existed and item.contact_id is None
        contact = None if item.contact_id else find_contact_for(_buyer(item))
        if contact is not None:
            _tie(item, contact, at)
        elif not changed:
            return item, False  # a replay: nothing new (the state below is published again)
        if _claim_first(item, holder if item.contact_id == buyer else None):
            store.save_first_order(item)  # Conflict: written first by another, read again
        else:
            store.save_order(item)
        return item, waited and item.contact_id is not None

    try:
        item, matched_now = retry(attempt, times=MAX_ATTEMPTS)
    except DependencyUnavailable as error:
        raise OrderBusy("the order kept changing; retry") from error
    if item.contact_id is None:
        _keep_unmatched(item, at)
    elif matched_now:
        _drop_unmatched(item)
    return _publish(item, at)


def _merge(item: OrderRecord, fact: Fact, at: int) -> bool:
    """Add the fact to the order; False when the order already had it."""
    facts = set(item.facts)
    refunds = dict(item.refunds)
    changed = fact.fact_id not in facts
    facts.add(fact.fact_id)
    if fact.event != "refunded":
        facts.add(fact.event)
    if fact.refund_cents is not None and fact.fact_id not in refunds:
        refunds[fact.fact_id] = fact.refund_cents
    if fact.amount_cents is not None and item.amount_cents is None:
        item.amount_cents, changed = fact.amount_cents, True
    if fact.currency and not item.currency:
        item.currency = fact.currency
    if fact.ordered_at is not None and not item.ordered_at_known:
        item.ordered_at, item.ordered_at_known, changed = fact.ordered_at, True, True
    for name, value in (
        ("buyer_external_userid", fact.buyer.external_userid),
        ("buyer_unionid", fact.buyer.unionid),
        ("buyer_phone_hash", fact.buyer.phone_hash),
    ):
        if value and not getattr(item, name):
            setattr(item, name, value)
            changed = True
    if not changed:
        return False
    amount = item.amount_cents
    rejected = states.settle_refunds(refunds, amount)[1]
    if rejected:
        logger.warning(
            "refund above what is left of the order rejected",
            extra={"rejected_cents": sum(rejected.values()), "amount_cents": amount},
        )
        metrics.add_metric(name="OrderRefundRejected", unit=MetricUnit.Count, value=1)
    status = states.derive_status(facts, amount, states.refunded_cents(refunds, amount))
    # The status before this change (the same status when only the refunds grew).
    item.previous_status = item.status if item.version else None
    item.status = status
    item.facts, item.refunds, item.updated_at = facts, refunds, at
    return True


# --- matching -----------------------------------------------------------------------------


def _buyer(item: OrderRecord) -> Buyer:
    return Buyer(item.buyer_external_userid, item.buyer_unionid, item.buyer_phone_hash)


def _buyer_keys(item: OrderRecord) -> list[tuple[str, str]]:
    keys = [
        ("ext", item.buyer_external_userid),
        ("union", item.buyer_unionid),
        ("phone", item.buyer_phone_hash),
    ]
    return [(kind, value) for kind, value in keys if value]


def find_contact_for(buyer: Buyer) -> Contact | None:
    """external_userid, else unionid, else the phone's HMAC; the first contact found."""
    from chalicelib.contacts import queries as contacts

    candidates: list[str] = []
    if buyer.external_userid:
        candidates.append(buyer.external_userid)
    if buyer.unionid:
        candidates.extend(contacts.by_unionid(buyer.unionid)[:1])
    if buyer.phone_hash:
        candidates.extend(contacts.by_phone_hash(buyer.phone_hash)[:1])
    for contact_id in dict.fromkeys(candidates):
        contact = contacts.find_contact_at_once(contact_id)
        if contact is not None:
            return contact
    return None


def _tie(item: OrderRecord, contact: Contact, at: int) -> None:
    """Tie the order to its contact with the contact's channel and live code."""
    first_rel = min(
        (r for r in contact.relationships if r.added_at is not None),
        key=lambda r: r.added_at or 0,
        default=None,
    )
    item.contact_id = contact.external_userid
    item.previous_status = None  # new to the contact: subscribers see it for the first time
    item.channel = contact.first_channel or (first_rel.channel if first_rel else "")
    item.code = first_rel.code if first_rel else ""
    item.updated_at = at


def _claim_first(item: OrderRecord, holder: str | None = None) -> bool:
    """A paid order of a contact claims the contact's first order (once, for good). With
    ``holder`` (the contact's first order as read, ``""``: none), True when the claim is
    to be written with the order; else it is written now."""
    if not item.contact_id or item.first_order or not states.is_paid(item.facts):
        return False
    key = f"{item.source}:{item.order_id}"
    if holder is None:
        item.first_order = store.claim_first_order(item.contact_id, key)
        return False
    item.first_order = holder in ("", key)
    return holder == ""


def _keep_unmatched(item: OrderRecord, at: int) -> None:
    key = f"{item.source}:{item.order_id}"
    if _buyer_keys(item):
        store.put_unmatched(_buyer_keys(item), key, at)
    store.mark_waiting(key, item.ordered_at or at)
    logger.info("order kept unmatched", extra={"order_key": key})


def _drop_unmatched(item: OrderRecord) -> None:
    key = f"{item.source}:{item.order_id}"
    store.drop_unmatched(_buyer_keys(item), key)
    store.unmark_waiting(key)
    logger.info("order matched", extra={"order_key": key, "external_userid": item.contact_id})


def match_pending(contact: Contact, at: int | None = None) -> list[str]:
    """Match the orders kept for a contact that just appeared (or changed): by its
    external_userid, unionid and phone hashes. The order keys matched."""
    when = int(at if at is not None else time.time())
    keys = [("ext", contact.external_userid)]
    if contact.unionid:
        keys.append(("union", contact.unionid))
    for rel in contact.relationships:
        keys.extend(("phone", digest) for digest in sorted(rel.phone_hashes))
    matched: list[str] = []
    for kind, value in keys:
        for order_key in store.unmatched(kind, value):
            item = _matched(order_key, contact, when)
            if item is None:
                continue
            _publish(item, when)
            matched.append(order_key)
    return matched


def _matched(order_key: str, contact: Contact, at: int) -> OrderRecord | None:
    """The order tied to ``contact`` (once), its first-order claim made, its marks gone."""

    def attempt() -> OrderRecord | None:
        item = store.get_order(order_key)
        if item is None or item.contact_id is not None:
            return item
        _tie(item, contact, at)
        _claim_first(item)
        store.save_order(item)
        return item

    try:
        item = retry(attempt, times=MAX_ATTEMPTS)
    except DependencyUnavailable as error:
        raise OrderBusy("the order kept changing; retry") from error
    if item is not None:
        _drop_unmatched(item)
    return item


# --- after the order is durable ------------------------------------------------------------


def _publish(item: OrderRecord, at: int) -> Order:
    """The order's state, told to the other contexts (each subscriber idempotent)."""
    order = store.order_of(item)
    signals.publish(order_changed(order, at))
    return order


def order_changed(order: Order, at: int) -> signals.OrderChanged:
    """The order's current state as a signal; its effect id names that state, so a retry
    publishes the same id and subscribers act once."""
    return signals.OrderChanged(
        effect_id=(
            f"order#{order.order_key}#{order.status}#{order.refunded_cents}"
            f"#{order.contact_id or '-'}"
        ),
        order_key=order.order_key,
        contact_id=order.contact_id,
        status=order.status,
        previous_status=order.previous_status,
        amount_cents=order.amount_cents or 0,
        refunded_cents=order.refunded_cents,
        currency=order.currency or "CNY",
        ordered_at=order.ordered_at,
        at=order.updated_at or at,
        first_order=order.first_order,
        channel=order.channel,
        code=order.code,
        paid=states.is_paid(order.facts),
    )


# --- reads --------------------------------------------------------------------------------


def get_order(order_key: str) -> Order:
    item = store.get_order(order_key)
    if item is None:
        raise OrderNotFound(f"no order {order_key}")
    return store.order_of(item)


def contact_orders_page(
    contact_id: str, limit: int, cursor: str | None
) -> tuple[list[Order], str | None]:
    items, following = store.orders_page(contact_id, limit, cursor)
    return [store.order_of(item) for item in items], following


def contact_orders(contact_id: str, limit: int) -> list[Order]:
    return [store.order_of(item) for item in store.orders_of(contact_id, limit=limit)]


#: An order's events in the order they happen: deliveries received in the same second
#: are listed in this order.
LIFECYCLE = ("created", "paid", "completed", "refunded", "cancelled")


def order_detail(order_key: str) -> OrderDetail:
    """The order and every delivery received for it."""
    order = get_order(order_key)
    deliveries = store.deliveries(order_key)
    deliveries.sort(
        key=lambda delivery: (
            delivery.first_received_at or delivery.received_at,
            LIFECYCLE.index(delivery.fact_id.split("#")[0])
            if delivery.fact_id.split("#")[0] in LIFECYCLE
            else len(LIFECYCLE),
            delivery.fact_id,
        )
    )
    return OrderDetail(order=order, deliveries=deliveries)


def list_orders(limit: int, cursor: str | None) -> OrderPage:
    """Every order, newest first (the ``by_feed`` index)."""
    items, following = store.all_orders(limit, cursor)
    return OrderPage(items=[store.order_of(item) for item in items], next_cursor=following)


def list_unmatched(limit: int, cursor: str | None) -> OrderPage:
    """The orders still waiting for their contact, newest first."""
    keys, following = store.waiting(limit, cursor)
    found = store.orders(keys)
    items = [store.order_of(found[key]) for key in keys if key in found]
    return OrderPage(
        items=[order for order in items if order.contact_id is None], next_cursor=following
    )
