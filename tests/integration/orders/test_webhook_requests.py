"""What one order webhook costs in DynamoDB (moto, every request counted): a signed
Shopify ``orders/paid`` for a known customer with tier levels set, and the same delivery
again (the provider's retry), answered from the delivery record alone.

The order's own work is what orders, points and membership do with it (the order, its
delivery record, the contact it is matched to, the points earned, the tier evaluated once);
the other subscribers of the signals (reports, screening, SOP, directory) add their own."""

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
#: A first delivery's own work in this many requests, its retry in exactly one
#: (everything included); all of the first delivery in ``ALL_EXACTLY``: the own work's 10,
#: SOP's read of the contact's due items (once for the exits and the conversion credits),
#: the reports' order memo read and transaction, screening's one read (the order memo
#: with the contact's RFM item) and transaction, the directory's two change marks (the
#: order's, the points') and the reports' points counters.
OWN_WORK_EXACTLY = 10
RETRY_EXACTLY = 1
ALL_EXACTLY = 18
OWN_TABLES = ("orders", "points", "membership", "contacts")


def own(tally: Any) -> list[Any]:
    """The requests of the order's own work (every table they touch is one of its own)."""
    return [
        call
        for call in tally.calls
        if all(table.endswith(tuple(f"-{name}" for name in OWN_TABLES)) for table in call.tables)
    ]


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


def test_a_paid_order_costs_ten_requests_of_its_own_and_its_retry_one(
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
    mine = own(first)
    assert len(mine) == OWN_WORK_EXACTLY, [(c.operation, c.tables) for c in mine]
    assert first.requests == ALL_EXACTLY, [(c.operation, c.tables) for c in first.calls]
    assert again.requests == RETRY_EXACTLY, [(c.operation, c.tables) for c in again.calls]
    assert again.by_operation() == {"UpdateItem": 1}  # the delivery record, nothing else
