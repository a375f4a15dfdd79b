"""``make demo``, orders and points: a customer who came through a live code buys in the
shop; the signed Shopify webhook (delivered three times) earns points once; a partial
refund takes back its share; an operator redeems points; the customer's tier, with its
WeCom tag, and the ledger reconciled.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from local_stack.demo.client import Demo, say, step


def post_webhook(demo: Demo, source: str, raw: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{demo.api}/webhooks/orders/{source}", data=raw, method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def shopify_delivery(secret: str, topic: str, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    from chalicelib.orders.signatures import shopify_signature

    raw = json.dumps(body).encode()
    return raw, {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Webhook-Id": f"demo-{topic}-{body['id']}",
        "X-Shopify-Hmac-Sha256": shopify_signature(secret, raw),
    }


def orders_and_points(demo: Demo, first_step: int = 18) -> None:

    api, sim = demo.api, demo.sim
    secret = demo.stack.config.shopify_webhook_secret

    step(first_step, "An admin sets the earning rules and the membership tiers")
    demo.call(
        "PUT",
        f"{api}/admin/points/rules",
        {"points_per_unit": 1, "unit_cents": 100, "first_order_bonus": 20, "expiry_days": 365},
        role="admin",
    )
    gold_tag = demo.call(
        "POST",
        f"{sim}/_sim/tags/changed",
        {"change_type": "create", "tag_type": "tag", "name": "银卡会员", "group_name": "会员等级"},
    )
    demo.processed(gold_tag["xml"])
    demo.call(
        "PUT",
        f"{api}/admin/membership/tiers",
        {
            "window_days": 365,
            "levels": [
                {"name": "member"},
                {"name": "silver", "min_points": 100, "tag_id": gold_tag["id"]},
                {"name": "gold", "min_spend_cents": 500000},
            ],
        },
        role="admin",
    )
    say("1 point per yuan, 20 bonus points on a first order; silver from 100 points (tagged)")

    step(first_step + 1, "A customer scans live code store1 (parcel card) and adds the member")
    code = demo.call("GET", f"{api}/admin/live-codes/store1", role="viewer")
    ways = {w["qr_code"]: w for w in code["ways"]}
    way = ways[demo.scan("store1", "parcel")]
    added = demo.call(
        "POST", f"{sim}/_sim/customers/add", {"config_id": way["config_id"], "name": "韩梅梅"}
    )
    demo.processed(added["xml"])
    customer = added["external_userid"]
    contact = demo.call("GET", f"{api}/admin/contacts/{customer}", role="viewer")
    rel = contact["relationships"][0]
    say(f"{customer} added {rel['staff_userid']} via code {rel['code']}, channel {rel['channel']}")

    step(first_step + 2, "The shop's signed orders/paid webhook arrives, and twice more (retries)")
    order = {
        "id": 450789469,
        "total_price": "268.00",
        "currency": "CNY",
        "created_at": "2026-11-29T10:00:00+08:00",
        "financial_status": "paid",
        "note_attributes": [{"name": "external_userid", "value": customer}],
    }
    paid = shopify_delivery(secret, "orders/paid", order)
    for attempt in range(3):
        started = time.monotonic()
        status, body = post_webhook(demo, "shopify", *paid)
        took = (time.monotonic() - started) * 1000
        say(
            f"delivery {attempt + 1}: HTTP {status} {json.dumps(body)} in {took:.0f} ms (limit 5 s)"
        )
    forged = (paid[0].replace(b"268.00", b"999.00"), paid[1])
    status, body = post_webhook(demo, "shopify", *forged)
    say(f"a tampered copy: HTTP {status} {body['error']}")
    orders = demo.call("GET", f"{api}/admin/contacts/{customer}/orders", role="viewer")["items"]
    [stored] = orders
    say(
        f"order {stored['order_key']}: {stored['status']}, {stored['amount_cents'] / 100:.2f} "
        f"{stored['currency']}, first order {stored['first_order']}, channel {stored['channel']}"
    )
    account = demo.call("GET", f"{api}/admin/contacts/{customer}/points", role="viewer")
    say(f"points earned once: {[(e['kind'], e['delta']) for e in account['entries']]}")

    step(first_step + 3, "A partial refund of 68.00: its share of the points is taken back")
    refund = {
        "id": 509562969,
        "order_id": order["id"],
        "transactions": [{"kind": "refund", "status": "success", "amount": "68.00"}],
    }
    status, _ = post_webhook(demo, "shopify", *shopify_delivery(secret, "refunds/create", refund))
    stored = demo.call("GET", f"{api}/admin/orders/shopify:{order['id']}", role="viewer")
    say(f"HTTP {status}; order {stored['status']}, refunded {stored['refunded_cents'] / 100:.2f}")

    step(first_step + 4, "An operator redeems 50 points for a coupon (the retry changes nothing)")
    redemption = {"points": 50, "reason": "满减券", "request_id": f"coupon-{customer}"}
    for _ in range(2):
        entry = demo.call(
            "POST",
            f"{api}/admin/contacts/{customer}/points/redeem",
            redemption,
            role="operator",
        )
    say(f"redeemed by {entry['operator']}: balance after {entry['balance_after']}")

    step(first_step + 5, "The ledger, the reconcile check and the tier")
    account = demo.call("GET", f"{api}/admin/contacts/{customer}/points", role="viewer")
    for e in reversed(account["entries"]):
        say(f"{e['kind']:<7} {e['delta']:>5}  {e['reason']}")
    check = demo.call("GET", f"{api}/admin/contacts/{customer}/points/reconcile", role="viewer")
    say(
        f"balance {check['balance']} = ledger sum {check['ledger_sum']}: "
        f"consistent {check['consistent']}"
    )
    tier = demo.call("GET", f"{api}/admin/contacts/{customer}/tier", role="viewer")
    history = [(h["previous_tier"], h["tier"]) for h in reversed(tier["history"])]
    marks = [
        c["body"]
        for c in demo.sim_calls("externalcontact/mark_tag")
        if c["body"]["external_userid"] == customer
    ]
    say(
        f"tier {tier['tier']} (history {history}); "
        f"WeCom tags marked: {[m['add_tag'] for m in marks]}"
    )
    earned = 268 + 20  # 1 per yuan plus the first-order bonus
    expected = earned - earned * 6800 // 26800 - 50  # the refund's share, the redemption
    if not check["consistent"] or account["balance"] != expected or tier["tier"] != "silver":
        raise SystemExit("the orders and points story did not add up")
