"""The console's order lists: every order and the unmatched ones, newest first, paged with a
cursor over the sparse ``by_feed`` index; an order's detail with its deliveries."""

from __future__ import annotations

import time
from typing import Any

from tests.integration.orders.test_webhooks import add_contact, post
from tests.support import orders as send
from tests.support.admin import bearer
from tests.support.fake_wecom_api import FakeWeComApi


def generic_order(order_id: str, cents: int, at: int, buyer: str, event: str = "paid") -> Any:
    return send.generic(
        {
            "order_id": order_id,
            "event": event,
            "amount_cents": cents,
            "ordered_at": at,
            "buyer": {"external_userid": buyer},
        }
    )


def pages(client: Any, path: str, limit: int) -> list[list[str]]:
    seen: list[list[str]] = []
    cursor = ""
    while True:
        query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        answer = client.http.get(path + query, headers=bearer("viewer"))
        assert answer.status_code == 200, answer.body
        seen.append([order["order_key"] for order in answer.json_body["items"]])
        cursor = answer.json_body["next_cursor"]
        if not cursor:
            return seen


def test_every_order_newest_first_in_pages_and_the_unmatched_until_their_contact_comes(
    client: Any, wecom: FakeWeComApi
) -> None:
    now = int(time.time())
    for n in range(5):
        buyer = "wmBuyer1" if n % 2 else "wmStranger"
        answer = post(client, "generic", generic_order(f"G{n}", 1000 + n, now - 100 + n, buyer))
        assert answer.status_code == 200, answer.body
    post(client, "generic", generic_order("G0", 1000, now - 100, "wmStranger", "completed"))

    listed = pages(client, "/admin/orders", 2)
    assert listed == [["generic:G4", "generic:G3"], ["generic:G2", "generic:G1"], ["generic:G0"]]
    assert pages(client, "/admin/orders/unmatched", 2) == [
        ["generic:G4", "generic:G3"],
        ["generic:G2", "generic:G1"],
        ["generic:G0"],
    ]

    add_contact(wecom, "wmBuyer1")
    unmatched = [key for page in pages(client, "/admin/orders/unmatched", 50) for key in page]
    assert unmatched == ["generic:G4", "generic:G2", "generic:G0"]
    every = client.http.get("/admin/orders", headers=bearer("viewer")).json_body["items"]
    assert {o["order_key"]: o["contact_id"] for o in every}["generic:G3"] == "wmBuyer1"


def test_an_orders_deliveries_each_once_with_how_often_it_came(client: Any) -> None:
    now = int(time.time())
    paid = generic_order("D1", 5000, now, "wmSomeone")
    for _ in range(2):
        post(client, "generic", paid)
    post(client, "generic", generic_order("D1", 5000, now, "wmSomeone", "completed"))

    answer = client.http.get("/admin/orders/generic:D1/deliveries", headers=bearer("viewer"))
    assert answer.status_code == 200, answer.body
    detail = answer.json_body
    assert detail["order"]["status"] == "completed"
    assert [(d["fact_id"], d["received"]) for d in detail["deliveries"]] == [
        ("paid", 2),
        ("completed", 1),
    ]
    assert '"order_id": "D1"' in detail["deliveries"][0]["body"]

    missing = client.http.get("/admin/orders/generic:nope/deliveries", headers=bearer("viewer"))
    assert missing.status_code == 404 and missing.json_body["error"] == "order_not_found"


def test_a_cursor_the_list_did_not_give_is_refused_with_the_reason(client: Any) -> None:
    for cursor in ("garbage!", "eyJhIjogMX0="):
        answer = client.http.get(f"/admin/orders?cursor={cursor}", headers=bearer("viewer"))
        assert answer.status_code == 400, answer.body
        assert answer.json_body["error"] == "invalid_cursor"  # as every other list


def test_the_order_lists_are_closed_to_staff(client: Any) -> None:
    for path in ("/admin/orders", "/admin/orders/unmatched"):
        assert client.http.get(path, headers=bearer("staff")).status_code == 403
        assert client.http.get(path).status_code == 401
