"""Membership tiers over moto: levels by points or spend over the window, upgrade and
downgrade history, the WeCom tag per level, TierChanged once per change, multipliers."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from chalicelib import signals
from chalicelib.membership import service
from tests.support import orders as send
from tests.support.admin import bearer
from tests.support.fake_wecom_api import FakeWeComApi, contact_event_xml, dispatch_again

JSON = {"Content-Type": "application/json"}
LEVELS = {
    "window_days": 365,
    "levels": [
        {"name": "member"},
        {"name": "silver", "min_points": 100, "tag_id": "etSilver"},
        {"name": "gold", "min_spend_cents": 100000, "tag_id": "etGold"},
    ],
}


def post_order(client: Any, body: dict[str, Any]) -> None:
    raw, headers = send.generic(body)
    answer = client.http.post("/webhooks/orders/generic", body=raw, headers=headers)
    assert answer.status_code == 200, answer.body


def test_tiers_move_up_and_down_with_history_tags_and_signals(
    client: Any, wecom: FakeWeComApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiers: list[signals.TierChanged] = []
    original = signals.publish

    def record(signal: Any) -> None:
        if isinstance(signal, signals.TierChanged):
            tiers.append(signal)
        original(signal)

    monkeypatch.setattr(signals, "publish", record)
    bad = {"levels": [{"name": "member", "min_points": 5}]}
    put = client.http.put
    assert (
        put(
            "/admin/membership/tiers", body=json.dumps(bad), headers=JSON | bearer("admin")
        ).status_code
        == 400
    )
    assert (
        put(
            "/admin/membership/tiers", body=json.dumps(LEVELS), headers=JSON | bearer("operator")
        ).status_code
        == 403
    )
    assert (
        put(
            "/admin/membership/tiers", body=json.dumps(LEVELS), headers=JSON | bearer("admin")
        ).status_code
        == 200
    )
    rules = {"tier_multipliers": {"gold": 2.0}}
    assert (
        put(
            "/admin/points/rules", body=json.dumps(rules), headers=JSON | bearer("admin")
        ).status_code
        == 200
    )

    now = int(time.time())
    wecom.follow("wmT", "zhangsan", createtime=now, state="poster")
    dispatch_again(
        contact_event_xml("add_external_contact", "wmT", create_time=now, state="poster")
    )
    buyer = {"external_userid": "wmT"}
    post_order(client, {"order_id": "t1", "event": "paid", "amount_cents": 12000, "buyer": buyer})
    assert service.current_tier("wmT") == "silver"  # 120 points
    post_order(client, {"order_id": "t2", "event": "paid", "amount_cents": 90000, "buyer": buyer})
    assert service.current_tier("wmT") == "gold"  # 1,020 yuan spent
    post_order(client, {"order_id": "t3", "event": "paid", "amount_cents": 1000, "buyer": buyer})
    account = client.http.get("/admin/contacts/wmT/points", headers=bearer("viewer")).json_body
    assert [e["delta"] for e in account["entries"] if e["ref"] == "generic:t3"] == [
        20
    ]  # ×2 at gold
    # The big order is refunded in full: spend falls below gold, points keep silver.
    post_order(
        client,
        {
            "order_id": "t2",
            "event": "refunded",
            "amount_cents": 90000,
            "refund_id": "rf",
            "refund_cents": 90000,
            "buyer": buyer,
        },
    )
    post_order(
        client,
        {
            "order_id": "t2",
            "event": "refunded",
            "amount_cents": 90000,
            "refund_id": "rf",
            "refund_cents": 90000,
            "buyer": buyer,
        },
    )  # a retry
    view = client.http.get("/admin/contacts/wmT/tier", headers=bearer("viewer")).json_body
    assert view["tier"] == "silver"
    # Silver stands on t1's 120 points (t3's 20 alone are short): it holds until they leave.
    assert now + 365 * 86_400 < view["holds_until"] <= now + 365 * 86_400 + 60
    assert [(h["previous_tier"], h["tier"]) for h in view["history"]] == [
        ("gold", "silver"),
        ("silver", "gold"),
        (None, "silver"),
    ]
    assert [(t.previous_tier, t.tier) for t in tiers] == [
        (None, "silver"),
        ("silver", "gold"),
        ("gold", "silver"),
    ]
    assert len({t.effect_id for t in tiers}) == 3
    assert [(m["userid"], m["add"]) for m in wecom.marks] == [
        ("zhangsan", ["etSilver"]),
        ("zhangsan", ["etGold"]),
        ("zhangsan", ["etSilver"]),
    ]
    # A year later nothing is in the window: the daily review moves the member down.
    run = service.review(now + 400 * 86_400)
    assert (run.reviewed, run.changed) == (1, 1)
    assert service.current_tier("wmT") == "member"


POINTS_ONLY = {
    "window_days": 365,
    "levels": [{"name": "member"}, {"name": "silver", "min_points": 100}],
}


def test_an_evaluation_reads_only_the_tier_and_what_a_threshold_needs(aws: None) -> None:
    """Levels kept in the container, the spend read only when a level has a spend
    threshold: points-only levels cost the tier and the points in the window; the change's
    history still records the spend."""
    from benchmarks.requests import counting
    from chalicelib.membership.models import TierConfig
    from chalicelib.points import service as points

    service.put_config(TierConfig.model_validate(POINTS_ONLY), "admin")
    service.evaluate("wmK")  # reads the levels once: kept afterwards
    with counting() as quiet:
        assert service.evaluate("wmK") is None  # at the base: nothing recorded
    tables = sorted(t.rsplit("-", 1)[-1] for c in quiet.calls for t in c.tables)
    assert (quiet.by_operation(), tables) == ({"GetItem": 1, "Query": 1}, ["membership", "points"])

    points.credit("wmK", "task#a", "task", 150, int(time.time()), reason="test")
    assert service.evaluate("wmK") == "silver"
    history = service.membership("wmK").history
    assert [(h.tier, h.points, h.spend_cents) for h in history] == [("silver", 150, 0)]

    service.put_config(TierConfig.model_validate(LEVELS), "admin")  # a spend threshold now
    with counting() as both:
        service.evaluate("wmK")
    # the levels read again (saved by this container), the tier, the points, the spend
    assert both.by_operation() == {"GetItem": 2, "Query": 2}
