"""What one order webhook costs in DynamoDB (moto, every request counted): a signed
Shopify ``orders/paid`` for a known customer with tier levels set, every subscriber of its
signals included (SOP, reports, screening, points, membership, directory), and the same
delivery again (the provider's retry), answered from the delivery record alone."""

from __future__ import annotations

import json
import time
from typing import Any

from benchmarks.requests import counting
from tests.support import orders as send
from tests.support.admin import bearer
from tests.support.fake_wecom_api import FakeWeComApi, contact_event_xml, dispatch_again

CONTACT = "wmCounted"
LEVELS = {
    "window_days": 365,
    "levels": [{"name": "member"}, {"name": "silver", "min_points": 100, "tag_id": "etSilver"}],
}
#: The whole first delivery in at most ``WHOLE_AT_MOST`` (9 today): the delivery record
#: claimed, the order with the customer's first-order marker, the contact, the order
#: written, screening's read (the order memo with the contact's RFM item), the points
#: account with its entries, the ledger transaction, the tier (the points of its window
#: from the ledger as just written), and ONE transaction of every read model's writes
#: (the reports' order and points counters, screening's inputs, the directory's two change
#: marks, the delivery marked applied). Its retry in exactly one.
WHOLE_AT_MOST = 10
RETRY_EXACTLY = 1
#: What the pass commits together, by table.
READ_MODELS = {"runtime-state", "reports", "daily-stats", "screening", "directory", "orders"}


def post(client: Any, delivery: tuple[bytes, dict[str, str]]) -> Any:
    raw, headers = delivery
    return client.http.post("/webhooks/orders/shopify", body=raw, headers=headers)


def known_customer(client: Any, wecom: FakeWeComApi) -> None:
    now = int(time.time())
    wecom.follow(CONTACT, "zhangsan", createtime=now, state="lc:s01:poster")
    dispatch_again(contact_event_xml("add_external_contact", CONTACT, create_time=now))
    answer = client.http.put(
        "/admin/membership/tiers",
        body=json.dumps(LEVELS),
        headers={"Content-Type": "application/json"} | bearer("admin"),
    )
    assert answer.status_code == 200, answer.body


def paid(order_id: int, total: str = "128.50") -> tuple[bytes, dict[str, str]]:
    attributes = [{"name": "external_userid", "value": CONTACT}]
    return send.shopify(
        "orders/paid", send.shopify_order(order_id, total, note_attributes=attributes)
    )


def test_a_paid_order_costs_at_most_ten_requests_in_all_and_its_retry_one(
    client: Any, wecom: FakeWeComApi
) -> None:
    known_customer(client, wecom)
    post(client, paid(1))  # a first order before: the second is the common case
    delivery = paid(2)
    with counting() as first:
        answer = post(client, delivery)
    assert answer.status_code == 200 and answer.json_body == {}
    with counting() as again:
        retried = post(client, delivery)
    assert retried.status_code == 200 and retried.json_body == {}
    path = "/admin/orders/shopify:2/deliveries"
    detail = client.http.get(path, headers=bearer("viewer")).json_body
    assert detail["order"]["status"] == "paid" and detail["order"]["contact_id"] == CONTACT
    assert detail["deliveries"][0]["received"] == 2  # the retry is recorded
    ledger = client.http.get(f"/admin/contacts/{CONTACT}/points", headers=bearer("viewer"))
    assert sorted(e["delta"] for e in ledger.json_body["entries"]) == [128, 128]
    calls = [(c.operation, c.tables) for c in first.calls]
    assert first.requests <= WHOLE_AT_MOST, calls
    # the read models' writes in one transaction, last, the delivery's applied mark in it
    last = first.calls[-1]
    assert last.operation == "TransactWriteItems", calls
    assert {table.removeprefix("scrm-test-") for table in last.tables} == READ_MODELS, calls
    before = [table for call in first.calls[:-1] for table in call.tables]
    # nobody reads the reports' memo or the due items on the way
    assert not [t for t in before if t.endswith(("-reports", "-due", "-directory"))], calls
    # the points table read once: the tier's window comes from the ledger just written
    assert sum(t.endswith("-points") for t in before) == 2, calls  # the read, the ledger
    assert again.requests == RETRY_EXACTLY, [(c.operation, c.tables) for c in again.calls]
    assert again.by_operation() == {"UpdateItem": 1}  # the delivery record, nothing else
