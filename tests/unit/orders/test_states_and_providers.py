"""The order state machine converges whatever the order of facts; providers' bodies become
facts (amounts exact to the cent, phones hashed, unknown topics acknowledged)."""

from __future__ import annotations

import itertools
import json
from urllib.parse import quote

import pytest

from chalicelib.orders import providers, states
from chalicelib.orders.errors import MalformedDelivery


@pytest.mark.parametrize(
    ("facts", "amount", "refunded", "status"),
    [
        ((), None, 0, "pending"),
        (("created",), 100, 0, "pending"),
        (("paid",), 100, 0, "paid"),
        (("paid", "completed"), 100, 30, "completed"),
        (("paid", "cancelled"), 100, 0, "cancelled"),
        (("paid", "completed", "cancelled"), 100, 100, "refunded"),
        (("refunded#r1",), None, 100, "pending"),  # the refund arrived before the payment
        (("refunded#r1",), 100, 100, "refunded"),
    ],
)
def test_status_is_a_function_of_the_facts(
    facts: tuple[str, ...], amount: int | None, refunded: int, status: str
) -> None:
    for ordering in itertools.permutations(facts):
        assert states.derive_status(ordering, amount, refunded) == status


def test_shopify_amounts_are_exact_and_phones_hashed() -> None:
    body = {
        "id": 5,
        "total_price": "0.10",
        "currency": "CNY",
        "phone": "+86 138 0013 8000",
        "created_at": "2026-11-20T10:00:00+08:00",
        "note_attributes": [{"name": "unionid", "value": "oU1"}],
    }
    parsed = providers.shopify(json.dumps(body).encode(), {"X-Shopify-Topic": "orders/paid"})
    [fact] = parsed.facts
    assert (fact.order_key, fact.event, fact.amount_cents, fact.buyer.unionid) == (
        "shopify:5",
        "paid",
        10,
        "oU1",
    )
    assert fact.buyer.phone_hash and "138" not in fact.buyer.phone_hash
    ignored = providers.shopify(b"{}", {"X-Shopify-Topic": "products/update"})
    assert ignored.facts == () and ignored.answer == {}
    with pytest.raises(MalformedDelivery, match="X-Shopify-Topic"):
        providers.shopify(b"{}", {})


def test_shopify_refund_sums_its_successful_refund_transactions() -> None:
    body = {
        "id": 77,
        "order_id": 5,
        "transactions": [
            {"kind": "refund", "status": "success", "amount": "10.05"},
            {"kind": "refund", "status": "failure", "amount": "99.00"},
            {"kind": "refund", "status": "success", "amount": "0.95"},
        ],
    }
    [fact] = providers.shopify(
        json.dumps(body).encode(), {"X-Shopify-Topic": "refunds/create"}
    ).facts
    assert (fact.fact_id, fact.refund_cents, fact.amount_cents) == ("refunded#77", 1100, None)


def test_youzan_msg_is_url_encoded_json_and_test_pushes_are_acknowledged() -> None:
    message = {
        "tid": "E1",
        "status": "TRADE_SUCCESS",
        "payment": "12.30",
        "created": "2026-11-20 10:00:00",
    }
    body = {"type": "TRADE_ORDER_STATE", "msg": quote(json.dumps(message)), "id": "p1"}
    [fact] = providers.youzan(body).facts
    assert (fact.order_key, fact.event, fact.amount_cents, fact.ordered_at) == (
        "youzan:E1",
        "completed",
        1230,
        1795140000,
    )
    assert providers.youzan(body | {"test": True}).facts == ()
    assert providers.youzan(body | {"type": "ITEM_STATE"}).facts == ()
    assert providers.youzan(body).answer == {"code": 0, "msg": "success"}
    with pytest.raises(MalformedDelivery, match="msg"):
        providers.youzan(body | {"msg": "%7Bnot json"})


@pytest.mark.parametrize("amount", ["-1.00", "1.001", "abc", "NaN", "Infinity"])
def test_bad_amounts_are_refused_with_the_field_named(amount: str) -> None:
    with pytest.raises(MalformedDelivery, match="total_price"):
        providers.cents(amount, "total_price")


def test_stored_deliveries_keep_no_phone_number() -> None:
    shop = {
        "id": 1,
        "phone": "13800138000",
        "customer": {"phone": "+8613800138000", "name": "A"},
        "shipping_address": {"phone": "13800138000", "city": "上海"},
    }
    stored = providers.redacted(json.dumps(shop).encode())
    assert "13800138000" not in stored and "上海" not in stored  # the whole address goes
    message = {"tid": "E1", "buyer_phone": "13800138000", "status": "TRADE_PAID"}
    push = {"type": "TRADE_ORDER_STATE", "msg": quote(json.dumps(message)), "sign": "x"}
    stored = providers.redacted(json.dumps(push).encode())
    assert "13800138000" not in stored and "TRADE_PAID" in stored


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b'{"id": 1, "total_price": "1.00", "note_attributes": 5}', b"\xff"],
)
def test_odd_shopify_bodies_are_refused_or_read_never_crash(body: bytes) -> None:
    try:
        parsed = providers.shopify(body, {"X-Shopify-Topic": "orders/paid"})
    except MalformedDelivery:
        return
    assert parsed.facts[0].order_id == "1"


def test_stored_deliveries_keep_no_name_address_email_or_number_in_free_text() -> None:
    shop = {
        "id": 450789469,
        "total_price": "10.00",
        "note": "call me on 139 0013 9000 or write to li.lei@example.com",
        "email": "li.lei@example.com",
        "customer": {"first_name": "Lei", "last_name": "Li", "email": "li.lei@example.com"},
        "shipping_address": {"address1": "南京西路 1266 号", "name": "李雷", "city": "上海"},
        "line_items": [{"title": "T-shirt", "properties": [{"value": "ring 13900139000"}]}],
        "note_attributes": [{"name": "external_userid", "value": "wmBuyer1"}],
        "financial_status": "paid",
    }
    stored = providers.redacted(json.dumps(shop, ensure_ascii=False).encode())
    for personal in ("139 0013 9000", "13900139000", "li.lei@", "Lei", "李雷", "南京西路"):
        assert personal not in stored, personal
    assert "T-shirt" in stored and "paid" in stored and "wmBuyer1" in stored
    push = {"msg": quote(json.dumps({"tid": "E1", "buyer_message": "我的电话 13800138000"}))}
    assert "13800138000" not in providers.redacted(json.dumps(push).encode())
