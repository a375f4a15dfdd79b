"""Orders and points on the real local stack: a customer who came through a live code,
signed webhooks from each provider delivered three times and out of order, points earned
and partly reversed, a redemption and the tier; concurrent redemptions over HTTP against
DynamoDB Local never drive the balance negative."""

from __future__ import annotations

import concurrent.futures
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote

from chalicelib.orders import signatures
from local_stack import LocalStack
from tests.e2e.test_contacts_exactly_once import settle
from tests.e2e.test_live_codes import put_code, scan


def webhook(stack: LocalStack, source: str, raw: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{stack.config.api_url}/webhooks/orders/{source}", data=raw, method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def shopify(stack: LocalStack, topic: str, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    return raw, {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Webhook-Id": f"e2e-{topic}-{body['id']}",
        "X-Shopify-Hmac-Sha256": signatures.shopify_signature(
            stack.config.shopify_webhook_secret, raw
        ),
    }


def youzan(stack: LocalStack, kind: str, message: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    msg = quote(json.dumps(message))
    sign = signatures.youzan_sign("e2e-client", msg, stack.config.youzan_client_secret)
    body = {
        "client_id": "e2e-client",
        "id": f"p-{kind}",
        "msg": msg,
        "sign": sign,
        "type": kind,
        "kdt_id": 1,
        "test": False,
        "mode": 1,
        "sendCount": 0,
        "version": 1,
        "status": "",
    }
    return json.dumps(body).encode(), {"Content-Type": "application/json"}


def generic(stack: LocalStack, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    header = signatures.generic_header(stack.config.generic_webhook_secret, raw)
    return raw, {"Content-Type": "application/json", signatures.GENERIC_SIGNATURE_HEADER: header}


def test_a_live_code_customer_orders_earns_is_refunded_redeems_and_reaches_a_tier(
    stack: LocalStack, sim: str, http: Any, admin: Any, dynamodb: Any
) -> None:
    assert (
        admin("PUT", "/admin/points/rules", {"first_order_bonus": 10, "expiry_days": 365})[0] == 200
    )
    tiers = {"levels": [{"name": "member"}, {"name": "silver", "min_points": 100}]}
    assert admin("PUT", "/admin/membership/tiers", tiers)[0] == 200
    status, code = put_code(
        admin,
        "e2eord",
        {"name": "orders", "staff": [{"userid": "zhangsan"}], "channels": ["poster"]},
    )
    assert status == 200, code
    status, location = scan(stack, "e2eord", "poster")
    [way] = [w for w in code["ways"] if w["qr_code"] == location]
    _, added = http(
        "POST", f"{sim}/_sim/customers/add", {"config_id": way["config_id"], "name": "买家"}
    )
    settle(dynamodb, stack, [added["xml"]])
    customer = added["external_userid"]

    # The refund arrives before the payment; every delivery comes three times.
    order = {
        "id": 9100,
        "total_price": "150.00",
        "currency": "CNY",
        "financial_status": "paid",
        "note_attributes": [{"name": "external_userid", "value": customer}],
    }
    refund = {
        "id": 77,
        "order_id": 9100,
        "transactions": [{"kind": "refund", "status": "success", "amount": "30.00"}],
    }
    for delivery in [
        shopify(stack, "refunds/create", refund),
        shopify(stack, "orders/paid", order),
    ] * 3:
        assert webhook(stack, "shopify", *delivery) == (200, {})
    status, found = admin("GET", "/admin/orders/shopify:9100", role="viewer")
    assert (found["status"], found["refunded_cents"], found["contact_id"]) == (
        "paid",
        3000,
        customer,
    )
    assert (found["channel"], found["code"], found["first_order"]) == ("poster", "e2eord", True)

    yz = youzan(
        stack,
        "TRADE_ORDER_STATE",
        {"tid": "E9", "status": "TRADE_SUCCESS", "payment": "20.00", "external_userid": customer},
    )
    for _ in range(3):
        assert webhook(stack, "youzan", *yz) == (200, {"code": 0, "msg": "success"})
    gen = generic(
        stack,
        {
            "order_id": "g9",
            "event": "paid",
            "amount_cents": 1000,
            "buyer": {"external_userid": customer},
        },
    )
    for _ in range(3):
        assert webhook(stack, "generic", *gen) == (200, {"ok": True})
    tampered = (gen[0].replace(b"1000", b"9000"), gen[1])
    assert webhook(stack, "generic", *tampered)[0] == 401

    # 150 + 10 bonus = 160, minus 160 * 30 // 150 = 32; 20 (youzan); 10 (generic).
    status, account = admin("GET", f"/admin/contacts/{customer}/points", role="viewer")
    assert sorted(e["delta"] for e in account["entries"]) == [-32, 10, 20, 160]
    assert account["balance"] == 158
    redeem = {"points": 58, "reason": "coupon", "request_id": "e2e-r1"}
    for _ in range(2):
        status, entry = admin(
            "POST", f"/admin/contacts/{customer}/points/redeem", redeem, role="operator"
        )
        assert status == 200 and entry["balance_after"] == 100
    assert admin("GET", f"/admin/contacts/{customer}/points/reconcile", role="viewer")[1][
        "consistent"
    ]
    status, tier = admin("GET", f"/admin/contacts/{customer}/tier", role="viewer")
    assert tier["tier"] == "silver" and tier["history"][0]["tier"] == "silver"


def test_concurrent_redemptions_over_http_never_drive_the_balance_negative(
    stack: LocalStack, sim: str, http: Any, admin: Any, dynamodb: Any
) -> None:
    # Points move only on a customer the product knows.
    _, added = http(
        "POST",
        f"{sim}/_sim/customers/add",
        {"userid": "lisi", "external_userid": "wmConc", "name": "抢兑"},
    )
    settle(dynamodb, stack, [added["xml"]])
    seed = {"delta": 250, "reason": "seed", "request_id": "seed-c"}
    assert admin("POST", "/admin/contacts/wmConc/points/adjust", seed, role="operator")[0] == 200

    def redeem(n: int) -> int:
        body = {"points": 10, "reason": "rush", "request_id": f"c-{n}"}
        return int(admin("POST", "/admin/contacts/wmConc/points/redeem", body, role="operator")[0])

    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(redeem, range(40)))
    assert statuses.count(200) == 25 and statuses.count(409) == 15
    _, check = admin("GET", "/admin/contacts/wmConc/points/reconcile", role="viewer")
    assert check == {
        "contact_id": "wmConc",
        "balance": 0,
        "ledger_sum": 0,
        "entries": 26,
        "consistent": True,
    }


def test_deliveries_of_one_order_at_once_count_once_in_the_reports_and_the_ledger(
    stack: LocalStack, sim: str, http: Any, admin: Any, dynamodb: Any
) -> None:
    """A payment and a partial refund, each delivered four times, all at once: whatever
    the read models' commits race into, each effect is counted once."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    _, added = http(
        "POST",
        f"{sim}/_sim/customers/add",
        {"userid": "lisi", "external_userid": "wmRace", "name": "并发"},
    )
    settle(dynamodb, stack, [added["xml"]])
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()

    def figures() -> dict[str, Any]:
        status, report = admin("POST", "/admin/reports", {"kind": "daily", "start": today})
        assert status == 200, report
        return dict(report["figures"])

    before = figures()
    buyer = {"external_userid": "wmRace"}
    paid = {"order_id": "race-1", "event": "paid", "amount_cents": 10_000, "buyer": buyer}
    refund = {**paid, "event": "refunded", "refund_id": "race-r1", "refund_cents": 2_500}
    deliveries = [generic(stack, paid), generic(stack, refund)] * 4

    def deliver(delivery: tuple[bytes, dict[str, str]]) -> int:
        status = 0
        for _ in range(20):  # the provider retries what was not answered 200
            status, _ = webhook(stack, "generic", *delivery)
            if status != 503:
                break
        return status

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(deliver, deliveries)) == [200] * len(deliveries)
    after = figures()
    moved = {k: after[k] - before[k] for k in ("orders", "gmv_cents", "refunded_cents")}
    assert moved == {"orders": 1, "gmv_cents": 10_000, "refunded_cents": 2_500}
    _, account = admin("GET", "/admin/contacts/wmRace/points", role="viewer")
    kinds = sorted((e["kind"], e["delta"] > 0) for e in account["entries"])
    assert kinds == [("earn", True), ("refund", False)], account["entries"]
    _, check = admin("GET", "/admin/contacts/wmRace/points/reconcile", role="viewer")
    assert check["consistent"], check
