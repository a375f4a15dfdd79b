"""Every admin list pages with a cursor: ``limit`` and ``cursor`` in, ``next_cursor`` out;
a cursor is opaque and checked (one this API did not give is a 400)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.support.admin import bearer
from tests.support.contacts import known_contact
from tests.support.fake_wecom_api import FakeWeComApi

LIST_ROUTES = [
    "/admin/staff/zhangsan/contacts",
    "/admin/contacts/wmKnown/timeline",
    "/admin/contacts/wmKnown/orders",
    "/admin/contacts/wmKnown/groups",
    "/admin/contacts/wmKnown/points",
    "/admin/groups",
    "/admin/live-codes",
    "/admin/group-codes",
    "/admin/tag-rules",
    "/admin/tags",
    "/admin/welcome-messages",
    "/admin/sop/plans",
    "/admin/broadcasts",
    "/admin/reports",
    "/admin/callbacks/dead-letters",
    "/admin/audit",
]


def read(client: Any, path: str) -> Any:
    return client.http.get(path, headers=bearer("admin"))


def all_pages(client: Any, path: str, limit: int) -> list[list[dict[str, Any]]]:
    pages, cursor = [], None
    while True:
        query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        answer = read(client, path + query)
        assert answer.status_code == 200, answer.body
        pages.append(answer.json_body["items"])
        cursor = answer.json_body["next_cursor"]
        if cursor is None:
            return pages


def test_all_of_a_members_customers_can_be_listed_page_by_page(client: Any) -> None:
    from chalicelib.contacts import store

    model = store.RelationshipItem.bound()
    with model.batch_write() as batch:
        for n in range(520):
            batch.save(
                model(
                    store.contact_pk(f"wm{n:04d}"),
                    store.rel_sk("zhangsan"),
                    external_userid=f"wm{n:04d}",
                    staff_userid="zhangsan",
                    added_at=1_700_000_000 + n,
                )
            )
    pages = all_pages(client, "/admin/staff/zhangsan/contacts", 200)
    assert [len(p) for p in pages] == [200, 200, 120]
    ids = [row["external_userid"] for page in pages for row in page]
    assert len(set(ids)) == 520 and ids[0] == "wm0519"  # newest add first

    first = read(client, "/admin/staff/zhangsan/contacts?limit=10").json_body
    theirs = read(client, f"/admin/staff/lisi/contacts?cursor={first['next_cursor']}")
    assert (theirs.status_code, theirs.json_body["error"]) == (400, "invalid_cursor")


def _forged(document: Any) -> str:
    raw = json.dumps(document).encode()
    return "c1." + base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("path", LIST_ROUTES)
@pytest.mark.parametrize(
    "cursor",
    ["garbage", "c1.!!!", _forged([1, 2]), _forged({"pk": {"S": "x"}, "evil": {"S": "y"}})],
    ids=["garbage", "not-base64", "not-an-object", "forged"],
)
def test_every_list_route_refuses_a_bad_cursor_with_a_400(
    client: Any, wecom: FakeWeComApi, path: str, cursor: str
) -> None:
    known_contact("wmKnown")
    answer = read(client, f"{path}?cursor={cursor}")
    assert answer.status_code == 400, (path, answer.body)
    assert answer.json_body["error"] == "invalid_cursor"


@pytest.mark.parametrize("path", LIST_ROUTES)
def test_every_list_route_answers_next_cursor(client: Any, wecom: FakeWeComApi, path: str) -> None:
    known_contact("wmKnown")
    answer = read(client, f"{path}?limit=1")
    assert answer.status_code == 200, (path, answer.body)
    assert "items" in answer.json_body or "entries" in answer.json_body, path
    assert "next_cursor" in answer.json_body


def test_a_short_list_pages_in_order(client: Any, wecom: FakeWeComApi) -> None:
    for n in range(5):
        answer = client.http.put(
            f"/admin/welcome-messages/ch{n}",
            body=json.dumps({"text": f"hi {n}"}),
            headers=bearer("operator"),
        )
        assert answer.status_code == 200
    pages = all_pages(client, "/admin/welcome-messages", 2)
    assert [[m["channel"] for m in p] for p in pages] == [["ch0", "ch1"], ["ch2", "ch3"], ["ch4"]]


def test_a_long_ledger_pages_newest_first(client: Any, wecom: FakeWeComApi) -> None:
    from chalicelib.points import service

    known_contact("wmLedger")
    for n in range(5):
        service.credit("wmLedger", f"adjust#p{n}", "adjust", 10 + n, 1_700_000_000 + n)
    path = "/admin/contacts/wmLedger/points"
    pages, cursor = [], None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        answer = read(client, path + query).json_body
        pages.append([e["delta"] for e in answer["entries"]])
        cursor = answer["next_cursor"]
        if cursor is None:
            break
    assert pages == [[14, 13], [12, 11], [10]]
