"""From a verified delivery to facts: each provider's documented body, read strictly.

Anything a provider documents but we do not act on (a test push, a topic we do not follow)
is acknowledged with no facts; a body that is not what the provider documents is a
:class:`MalformedDelivery` (400) naming what is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote_plus
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from chalicelib.orders.errors import MalformedDelivery
from chalicelib.orders.models import Buyer, Event, Fact, GenericOrderIn, Parsed

SHOPIFY_ANSWER: dict[str, object] = {}
YOUZAN_ANSWER: dict[str, object] = {"code": 0, "msg": "success"}
GENERIC_ANSWER: dict[str, object] = {"ok": True}

#: Shopify topics and the order event each means (orders/create is acted on when paid).
SHOPIFY_TOPICS: dict[str, Event] = {
    "orders/create": "created",
    "orders/paid": "paid",
    "orders/fulfilled": "completed",
    "orders/cancelled": "cancelled",
    "refunds/create": "refunded",
}
#: Youzan TRADE_ORDER_STATE statuses and the order event each means.
YOUZAN_STATUSES: dict[str, Event] = {
    "WAIT_BUYER_PAY": "created",
    "TRADE_PAID": "paid",
    "WAIT_SELLER_SEND_GOODS": "paid",
    "WAIT_BUYER_CONFIRM_GOODS": "paid",
    "TRADE_SUCCESS": "completed",
    "TRADE_CLOSE": "cancelled",
}
YOUZAN_TRADE = "TRADE_ORDER_STATE"
#: Youzan refund pushes that mean money went back (the others are requests, reviews, …).
YOUZAN_REFUNDED = ("TRADE_REFUND_SUCCESS", "trade_refund_RefundSuccess")
CHINA = ZoneInfo("Asia/Shanghai")


def json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise MalformedDelivery(f"the {what} body is not JSON") from error
    if not isinstance(body, dict):
        raise MalformedDelivery(f"the {what} body is not a JSON object")
    return body


def cents(value: Any, field: str) -> int:
    """A decimal amount in major units ("12.30", 12.3) as an exact number of cents."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise MalformedDelivery(f"{field} is not an amount") from error
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise MalformedDelivery(f"{field} must be a non-negative amount with at most 2 decimals")
    return int(amount * 100)


def _identifier(value: Any, field: str) -> str:
    text = str(value).strip() if isinstance(value, (str, int)) else ""
    if not text or len(text) > 64 or not all(c.isalnum() or c in "_.:-" for c in text):
        raise MalformedDelivery(f"{field} is missing or not an identifier")
    return text


def _epoch(value: Any, field: str, zone: ZoneInfo | None = None) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, int):
        return value
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as error:
        raise MalformedDelivery(f"{field} is not a date-time") from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone or CHINA)
    return int(parsed.timestamp())


def _buyer(external_userid: Any, unionid: Any, phone: Any) -> Buyer:
    from chalicelib.contacts.phones import phone_hash

    digest = phone_hash(str(phone)) if isinstance(phone, str) and phone.strip() else None
    return Buyer(
        external_userid=str(external_userid or "")[:64],
        unionid=str(unionid or "")[:64],
        phone_hash=digest or "",
    )


# --- what is stored -------------------------------------------------------------------------

#: Parts of field names whose values are personal or free text (names, addresses, e-mails,
#: phones, notes a buyer typed): replaced in the stored copy of a delivery.
_PERSONAL = (
    "phone",
    "mobile",
    "tel",
    "email",
    "mail",
    "name",
    "nick",
    "address",
    "addr",
    "street",
    "zip",
    "postcode",
    "post_code",
    "note",
    "remark",
    "memo",
    "comment",
    "message",
    "receiver",
    "contact",
    "card",
    "idcard",
)
#: Kept although they match: identifiers the product parses, never personal.
_KEPT = frozenset({"external_userid", "unionid", "msg", "note_attributes"})
_DIGITS = re.compile(r"\+?\d[\d \-]{5,}\d")
_EMAIL = re.compile(r"[^\s@<>\"']+@[^\s@<>\"']+\.[A-Za-z]{2,}")


def redacted(raw: bytes) -> str:
    """The delivery as stored (see docs/decisions.md, "Stored webhook deliveries"): values
    of personal or free-text fields (names, addresses, e-mails, phones, buyer notes; also
    inside Youzan's URL-encoded ``msg``) replaced, and in every other text, runs of seven
    or more digits and e-mail addresses replaced, so a note like "call me on 139…" in an
    unexpected field is not kept either."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return ""
    if isinstance(body, dict) and isinstance(body.get("msg"), str):
        try:
            body["msg"] = json.dumps(_scrub(json.loads(unquote_plus(body["msg"]))))
        except ValueError:
            body["msg"] = ""
    return json.dumps(_scrub(body), ensure_ascii=False)


def _personal(key: Any) -> bool:
    name = str(key).lower()
    return name not in _KEPT and any(part in name for part in _PERSONAL)


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: "<redacted>" if _personal(k) and v not in (None, "", [], {}) else _scrub(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, str):
        masked = _EMAIL.sub("<redacted>", value)
        return _DIGITS.sub(
            lambda m: "<redacted>" if sum(c.isdigit() for c in m.group()) >= 7 else m.group(),
            masked,
        )
    return value


# --- Shopify ----------------------------------------------------------------------------------


def shopify(raw: bytes, headers: Mapping[str, str]) -> Parsed:
    topic = (headers.get("X-Shopify-Topic") or "").strip()
    delivery_id = (headers.get("X-Shopify-Webhook-Id") or "").strip()[:128]
    if not topic:
        raise MalformedDelivery("X-Shopify-Topic is missing")
    event = SHOPIFY_TOPICS.get(topic)
    body = json_object(raw, "Shopify")
    if event is None:
        return Parsed(facts=(), answer=SHOPIFY_ANSWER, topic=topic)
    if event == "refunded":
        return Parsed(
            facts=(_shopify_refund(body, delivery_id),), answer=SHOPIFY_ANSWER, topic=topic
        )
    order_id = _identifier(body.get("id"), "id")
    if event == "created" and body.get("financial_status") == "paid":
        event = "paid"
    notes = body.get("note_attributes")
    attributes = {
        str(a.get("name")): a.get("value")
        for a in (notes if isinstance(notes, list) else [])
        if isinstance(a, dict)
    }
    customer = body.get("customer") if isinstance(body.get("customer"), dict) else {}
    fact = Fact(
        source="shopify",
        order_id=order_id,
        event=event,
        fact_id=event,
        delivery_id=delivery_id,
        amount_cents=cents(body.get("total_price", "0"), "total_price"),
        currency=str(body.get("currency") or "")[:3],
        ordered_at=_epoch(body.get("created_at"), "created_at"),
        buyer=_buyer(
            attributes.get("external_userid"),
            attributes.get("unionid"),
            body.get("phone") or (customer or {}).get("phone"),
        ),
    )
    return Parsed(facts=(fact,), answer=SHOPIFY_ANSWER, topic=topic)


def _shopify_refund(body: dict[str, Any], delivery_id: str) -> Fact:
    order_id = _identifier(body.get("order_id"), "order_id")
    refund_id = _identifier(body.get("id"), "id")
    transactions = body.get("transactions")
    if not isinstance(transactions, list):
        raise MalformedDelivery("transactions must be a list")
    refunded = 0
    for n, tx in enumerate(transactions):
        if not isinstance(tx, dict):
            raise MalformedDelivery(f"transactions.{n} is not an object")
        if tx.get("kind") == "refund" and tx.get("status", "success") == "success":
            refunded += cents(tx.get("amount"), f"transactions.{n}.amount")
    return Fact(
        source="shopify",
        order_id=order_id,
        event="refunded",
        fact_id=f"refunded#{refund_id}",
        delivery_id=delivery_id,
        refund_cents=refunded,
    )


# --- Youzan -----------------------------------------------------------------------------------


def youzan_envelope(raw: bytes) -> tuple[dict[str, Any], str, str, str]:
    """The push body and the three strings its sign covers: client_id, msg, sign."""
    body = json_object(raw, "Youzan")
    client_id, msg, sign = body.get("client_id"), body.get("msg"), body.get("sign")
    if not isinstance(client_id, str) or not client_id:
        raise MalformedDelivery("client_id is missing")
    if not isinstance(msg, str):
        raise MalformedDelivery("msg is missing")
    return body, client_id, msg, sign if isinstance(sign, str) else ""


def youzan(body: dict[str, Any]) -> Parsed:
    kind = str(body.get("type") or "")
    delivery_id = str(body.get("id") or "")[:128]
    if body.get("test") is True or not body.get("msg"):
        return Parsed(facts=(), answer=YOUZAN_ANSWER, topic=kind)
    if kind != YOUZAN_TRADE and kind not in YOUZAN_REFUNDED:
        return Parsed(facts=(), answer=YOUZAN_ANSWER, topic=kind)
    try:
        message = json.loads(unquote_plus(str(body["msg"])))
    except (ValueError, RecursionError) as error:
        raise MalformedDelivery("msg is not URL-encoded JSON") from error
    if not isinstance(message, dict):
        raise MalformedDelivery("msg is not a JSON object")
    order_id = _identifier(message.get("tid"), "msg.tid")
    if kind in YOUZAN_REFUNDED:
        refund_id = _identifier(message.get("refund_id") or message.get("oid"), "msg.refund_id")
        fee = message.get("refunded_fee", message.get("refund_fee"))
        fact = Fact(
            source="youzan",
            order_id=order_id,
            event="refunded",
            fact_id=f"refunded#{refund_id}",
            delivery_id=delivery_id,
            refund_cents=cents(fee, "msg.refunded_fee"),
        )
        return Parsed(facts=(fact,), answer=YOUZAN_ANSWER, topic=kind)
    status = str(message.get("status") or "")
    event = YOUZAN_STATUSES.get(status)
    if event is None:
        return Parsed(facts=(), answer=YOUZAN_ANSWER, topic=f"{kind}/{status}")
    payment = message.get("payment")
    fact = Fact(
        source="youzan",
        order_id=order_id,
        event=event,
        fact_id=event,
        delivery_id=delivery_id,
        amount_cents=None if payment in (None, "") else cents(payment, "msg.payment"),
        currency="CNY",
        ordered_at=_epoch(message.get("created"), "msg.created", CHINA),
        buyer=_buyer(
            message.get("external_userid"),
            message.get("union_id") or message.get("unionid"),
            message.get("buyer_phone"),
        ),
    )
    return Parsed(facts=(fact,), answer=YOUZAN_ANSWER, topic=f"{kind}/{status}")


# --- generic ----------------------------------------------------------------------------------


def generic(raw: bytes) -> Parsed:
    body = json_object(raw, "generic")
    try:
        order = GenericOrderIn.model_validate(body)
    except ValidationError as error:
        where = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
            for e in error.errors(include_url=False)[:5]
        )
        raise MalformedDelivery(where) from error
    if order.event == "refunded" and (not order.refund_id or order.refund_cents is None):
        raise MalformedDelivery("a refunded event needs refund_id and refund_cents")
    fact = Fact(
        source="generic",
        order_id=order.order_id,
        event=order.event,
        fact_id=f"refunded#{order.refund_id}" if order.event == "refunded" else order.event,
        amount_cents=order.amount_cents,
        refund_cents=order.refund_cents if order.event == "refunded" else None,
        currency=order.currency.upper(),
        ordered_at=order.ordered_at,
        buyer=_buyer(order.buyer.external_userid, order.buyer.unionid, order.buyer.phone),
    )
    return Parsed(facts=(fact,), answer=GENERIC_ANSWER, topic=order.event)
