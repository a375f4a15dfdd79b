"""``/admin/directory`` and ``/admin/audiences`` over the Chalice test client: filters that
combine, counts by staff and channel, pages with a cursor, ``as_of``, and bad input refused
with the reason and nothing written."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.directory.compiler import EVERYONE
from chalicelib.directory.models import Filter
from tests.support.admin import bearer
from tests.support.directory import matches, put_base, row

ROWS = [row(n) for n in range(300)]
NOW = 1_800_000_000


def post(client: Any, path: str, body: Any, role: str = "viewer", **headers: str) -> Any:
    return client.http.post(
        path,
        body=json.dumps(body),
        headers={"Content-Type": "application/json", **bearer(role), **headers},  # type: ignore[arg-type]
    )


def put(client: Any, path: str, body: Any, role: str = "operator") -> Any:
    return client.http.put(
        path,
        body=json.dumps(body),
        headers={"Content-Type": "application/json", **bearer(role)},  # type: ignore[arg-type]
    )


@pytest.fixture
def directory(client: Any, catalogue: None) -> Any:
    put_base(ROWS)
    return client


THREE = {
    "tags": {"any_of": ["etVIP"], "none_of": ["etBaby"]},
    "channels": ["poster", "store"],
    "spend_cents": {"min": 5_000},
}


def test_a_three_condition_filter_counts_and_pages_what_it_means(directory: Any) -> None:
    expected = [r for r in ROWS if matches(r, Filter.model_validate(THREE), EVERYONE, NOW)]
    counted = post(directory, "/admin/directory/count", {"filter": THREE})
    assert counted.status_code == 200, counted.body
    body = counted.json_body
    assert body["count"] == len(expected) > 0
    assert body["as_of"] == 1_700_000_000
    assert sum(body["by_channel"].values()) == len(expected)
    assert set(body["by_channel"]) <= {"poster", "store"}
    assert sum(body["by_staff"].values()) == len(expected)  # one follower each here

    seen: list[str] = []
    cursor = None
    while True:
        page = post(
            directory,
            "/admin/directory/search",
            {"filter": THREE, "sort": "spend", "order": "desc", "cursor": cursor, "limit": 40},
        ).json_body
        assert page["total"] == len(expected)
        seen.extend(item["contact_id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    by_spend = sorted(expected, key=lambda r: (r.spend_cents, r.contact_id), reverse=True)
    assert seen == [r.contact_id for r in by_spend]


def test_a_text_search_finds_names_and_a_page_carries_the_row(directory: Any) -> None:
    page = post(directory, "/admin/directory/search", {"filter": {"text": "客户12"}}).json_body
    names = sorted(item["name"] for item in page["items"])
    assert names == sorted(r.name for r in ROWS if "客户12" in r.name)
    first = page["items"][0]
    assert {"contact_id", "staff", "tags", "spend_cents", "phone_hashes"} <= set(first)


@pytest.mark.parametrize(
    ("body", "code", "reason"),
    [
        ({"filter": {"tags": {"any_of": ["etNope"]}}}, "unknown_tag", "etNope"),
        ({"filter": {"segments": ["royalty"]}}, "unknown_segment", "royalty"),
        ({"filter": {"spend_cents": {"min": 10, "max": 5}}}, "invalid", "impossible range"),
        ({"filter": {"last_order": {}}}, "invalid", "exactly one"),
        ({"filter": {"colour": "red"}}, "invalid", "colour"),
        ({"filter": {"tags": {"any_of": ["etVIP"], "none_of": ["etVIP"]}}}, "bad_request", "both"),
        ({"sort": "name"}, "invalid", "sort"),
        ({"limit": 100000}, "invalid", "limit"),
        ({"cursor": "forged"}, "invalid_cursor", "cursor"),
        ([], "invalid", ""),
    ],
)
def test_bad_filters_are_refused_with_the_reason(
    directory: Any, body: Any, code: str, reason: str
) -> None:
    answer = post(directory, "/admin/directory/search", body)
    assert answer.status_code == 400, answer.body
    assert answer.json_body["error"] == code
    assert reason in answer.json_body["message"]


def test_a_data_scope_restricts_and_a_filter_beyond_it_is_refused(
    directory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.directory import scope
    from chalicelib.directory.compiler import Scope

    monkeypatch.setattr(scope, "scope_of", lambda principal: Scope(frozenset({"lisi"})))
    counted = post(directory, "/admin/directory/count", {"filter": {}}).json_body
    assert counted["count"] == sum("lisi" in r.staff for r in ROWS)
    assert set(counted["by_staff"]) == {"lisi"}
    wide = post(directory, "/admin/directory/count", {"filter": {"staff": ["zhangsan"]}})
    assert wide.status_code == 400
    assert wide.json_body["error"] == "filter_outside_scope"
    assert "zhangsan" in wide.json_body["message"]
    refused = put(
        directory, "/admin/audiences/theirs", {"name": "x", "filter": {"staff": ["wangwu"]}}
    )
    assert refused.status_code == 400
    assert directory.http.get("/admin/audiences", headers=bearer("viewer")).json_body["items"] == []


def test_audiences_are_saved_by_operators_and_read_by_viewers(directory: Any) -> None:
    body = {"name": "VIP not baby", "filter": THREE}
    assert put(directory, "/admin/audiences/vip", body, role="viewer").status_code == 403
    saved = put(directory, "/admin/audiences/vip", body)
    assert saved.status_code == 200, saved.body
    assert saved.json_body["updated_by"] == "tester"
    listed = directory.http.get("/admin/audiences", headers=bearer("viewer")).json_body["items"]
    assert [a["id"] for a in listed] == ["vip"]
    got = directory.http.get("/admin/audiences/vip", headers=bearer("viewer")).json_body
    assert got["filter"]["channels"] == ["poster", "store"]
    bad = put(
        directory, "/admin/audiences/vip", {"name": "x", "filter": {"tags": {"all_of": ["etZ"]}}}
    )
    assert (bad.status_code, bad.json_body["error"]) == (400, "unknown_tag")
    unchanged = directory.http.get("/admin/audiences/vip", headers=bearer("viewer")).json_body
    assert unchanged["name"] == "VIP not baby"
    assert put(directory, "/admin/audiences/Bad_Id", body).status_code == 400
    gone = directory.http.delete("/admin/audiences/vip", headers=bearer("operator"))
    assert gone.status_code == 204
    missing = directory.http.get("/admin/audiences/vip", headers=bearer("viewer"))
    assert (missing.status_code, missing.json_body["error"]) == (404, "audience_not_found")


def test_the_routes_declare_their_models_for_the_typed_client(client: Any) -> None:
    document = client.http.get("/admin/openapi.json", headers=bearer("viewer")).json_body
    search = document["paths"]["/admin/directory/search"]["post"]
    assert "requestBody" in search
    schemas = json.dumps(document["components"]["schemas"])
    for name in ("SearchIn", "SearchOut", "CountOut", "Audience", "ExportState"):
        assert f'"{name}"' in schemas
