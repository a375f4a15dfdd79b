"""The orders pages: an order a shop pushed shows with its status and amount, an order whose
buyer is not a customer yet shows as unmatched, and its detail lists the deliveries received."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from chalicelib.orders import signatures
from local_stack import LocalStack
from tests.browser.conftest import ConsolePage, People, sign_in


def push_order(stack: LocalStack, body: dict[str, Any]) -> None:
    """A generic order webhook, signed as the shop signs it."""
    raw = json.dumps(body).encode()
    request = urllib.request.Request(
        f"{stack.config.api_url}/webhooks/orders/generic",
        data=raw,
        method="POST",
        headers={
            "Content-Type": "application/json",
            signatures.GENERIC_SIGNATURE_HEADER: signatures.generic_header(
                stack.config.generic_webhook_secret, raw
            ),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200


def test_a_pushed_order_shows_unmatched_with_its_amount_and_deliveries(
    console: ConsolePage, people: People, stack: LocalStack
) -> None:
    order_id = f"B{uuid.uuid4().hex[:10]}"
    paid = {
        "order_id": order_id,
        "event": "paid",
        "amount_cents": 12850,
        "ordered_at": int(time.time()),
        "buyer": {"external_userid": f"wmNotYet{order_id}"},
    }
    push_order(stack, paid)
    push_order(stack, paid)  # the shop retried: still one order, its delivery counted twice
    page = console.page
    sign_in(console, people, "viewer", next_path="/orders")

    row = page.locator("[data-test=orders-all] tr", has_text=order_id)
    row.wait_for()
    assert "¥128.50" in row.inner_text()
    assert row.locator("[data-test=unmatched]").inner_text() == "待匹配"
    assert "已支付" in row.inner_text()
    assert page.locator("button", has_text="保存").count() == 0
    console.shot("orders")

    page.click("#tab-unmatched")
    page.locator("[data-test=orders-unmatched] tr", has_text=order_id).wait_for()
    console.shot("unmatched")

    page.locator("[data-test=orders-unmatched] a", has_text=order_id).click()
    page.wait_for_url(f"**/orders/generic%3A{order_id}")
    deliveries = page.locator("[data-test=deliveries] .el-table__body tr")
    deliveries.first.wait_for()
    assert deliveries.count() == 1
    cells = deliveries.first.locator("td")
    assert cells.nth(1).inner_text() == "paid" and cells.last.inner_text() == "2"
    assert page.locator("[data-test=order-status]").inner_text() == "已支付"
    # Expand the delivery (again if the table re-rendered before the first click took).
    icon = deliveries.first.locator(".el-table__expand-icon")
    body = page.get_by_text(f'"order_id": "{order_id}"')
    for _ in range(3):
        if "el-table__expand-icon--expanded" not in (icon.get_attribute("class") or ""):
            icon.click()
        try:
            body.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    body.wait_for()
    console.shot("detail")
