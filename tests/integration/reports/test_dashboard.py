"""``GET /admin/dashboard?days=N``: the console's figures for today or the last N local days,
from the daily counters alone."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.reports import store
from tests.support.admin import bearer


def local_today() -> date:
    return datetime.fromtimestamp(time.time(), ZoneInfo("Asia/Shanghai")).date()


def seed() -> tuple[str, str, str]:
    today = local_today()
    yesterday, long_ago = today - timedelta(days=1), today - timedelta(days=10)
    rows: dict[tuple[str, str], dict[str, int]] = {
        (today.isoformat(), "channel#poster"): {"adds": 4, "deletions_by_customer": 1},
        (today.isoformat(), "channel#wechat_ad"): {"adds": 1, "first_orders": 1},
        (today.isoformat(), "code#spring#poster"): {"adds": 4, "deletions_by_customer": 1},
        (today.isoformat(), "total"): {
            "orders": 2,
            "first_orders": 1,
            "repeat_orders": 1,
            "gmv_cents": 30_000,
            "refunded_cents": 5_000,
            "deliveries": 3,
        },
        (today.isoformat(), "sop#welcome#s1"): {"deliveries": 3},
        (yesterday.isoformat(), "channel#poster"): {"adds": 2, "cohort_lost": 1},
        (long_ago.isoformat(), "channel#poster"): {"adds": 100},
    }
    store.write_rows(rows)
    return today.isoformat(), yesterday.isoformat(), long_ago.isoformat()


def dashboard(client: Any, query: str = "", role: Any = "viewer") -> Any:
    return client.http.get(f"/admin/dashboard{query}", headers=bearer(role))


def test_today_shows_only_todays_figures(client: Any) -> None:
    today, _, _ = seed()
    answer = dashboard(client, "?days=1")
    assert answer.status_code == 200, answer.body
    board = answer.json_body
    assert (board["start"], board["end"], board["days"]) == (today, today, 1)
    figures = board["figures"]
    assert figures["new_contacts"] == 5
    assert figures["deletions"] == 1
    assert figures["net_adds"] == 4
    assert figures["conversion_rate"] == 1 / 5
    assert figures["repurchase_rate"] == 0.5
    assert (figures["gmv_cents"], figures["net_gmv_cents"]) == (30_000, 25_000)
    assert [c["name"] for c in board["top_channels"]] == ["poster", "wechat_ad"]
    assert board["top_live_codes"] == [
        {"name": "spring", "new_contacts": 4, "net_adds": 3, "conversions": 0, "gmv_cents": 0}
    ]
    assert board["sop_steps"] == [{"plan_id": "welcome", "step_id": "s1", "deliveries": 3}]


def test_seven_days_add_up_the_days_and_chart_each_one(client: Any) -> None:
    today, yesterday, _ = seed()
    board = dashboard(client, "?days=7").json_body
    assert board["figures"]["new_contacts"] == 7  # the add ten days ago is outside
    assert board["figures"]["churn_rate"] == 1 / 7
    trend = {day["day"]: day for day in board["trend"]}
    assert len(trend) == 7
    assert trend[today]["net_adds"] == 4
    assert trend[yesterday]["new_contacts"] == 2
    assert dashboard(client).json_body["days"] == 7  # the default


def test_an_empty_business_answers_zeros_not_errors(client: Any) -> None:
    board = dashboard(client, "?days=30").json_body
    assert board["figures"]["new_contacts"] == 0
    assert board["figures"]["conversion_rate"] is None
    assert board["top_channels"] == []
    assert len(board["trend"]) == 30


def test_a_bad_range_is_a_400_naming_days(client: Any) -> None:
    for query in ("?days=0", "?days=abc", "?days=1000"):
        answer = dashboard(client, query)
        assert answer.status_code == 400, query
        assert answer.json_body["error"] == "invalid"
        assert answer.json_body["message"].startswith("days: ")
    assert dashboard(client, "?week=1").status_code == 400


def test_it_needs_a_viewer(client: Any) -> None:
    assert client.http.get("/admin/dashboard").status_code == 401


def test_the_api_description_names_the_query_parameter(client: Any) -> None:
    doc = client.http.get("/admin/openapi.json", headers=bearer("viewer")).json_body
    operation = doc["paths"]["/admin/dashboard"]["get"]
    assert operation["parameters"] == [
        {
            "name": "days",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": 92, "default": 7},
            "description": "1 (today), 7, 30…",
        }
    ]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/Dashboard"
