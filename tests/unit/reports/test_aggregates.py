"""What one signal adds to the daily counters (the pure aggregation function)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from chalicelib.reports.aggregates import (
    OrderMemo,
    deletion_effect,
    delivery_effect,
    fold,
    order_effect,
    points_effect,
    tier_effect,
)
from chalicelib.signals import MessageDelivered, OrderChanged, PointsChanged, TierChanged

ZONE = "Asia/Shanghai"
SH = ZoneInfo(ZONE)


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=SH).timestamp())


def order(status: str, **kw: object) -> OrderChanged:
    fields: dict[str, object] = {
        "effect_id": f"e-{status}",
        "order_key": "shop:1",
        "contact_id": "wm1",
        "status": status,
        "previous_status": None,
        "amount_cents": 10_000,
        "refunded_cents": 0,
        "currency": "CNY",
        "ordered_at": at("2026-03-01 23:30"),
        "at": at("2026-03-01 23:31"),
        "first_order": True,
        "channel": "poster",
        "code": "spring",
    }
    fields.update(kw)
    return OrderChanged(**fields)  # type: ignore[arg-type]


def test_a_paid_order_counts_once_on_its_local_day_in_every_dimension() -> None:
    memo, deltas = order_effect(None, order("paid"), ZONE)
    rows = fold(deltas)
    assert memo == OrderMemo(counted=True, refunded_cents=0)
    for dim in ("total", "channel#poster", "code#spring#poster"):
        assert rows[("2026-03-01", dim)] == {"orders": 1, "first_orders": 1, "gmv_cents": 10_000}
    # the same change again (a retry, or "completed" after "paid") moves nothing
    assert order_effect(memo, order("paid"), ZONE)[1] == []
    assert order_effect(memo, order("completed"), ZONE)[1] == []


def test_half_past_midnight_in_shanghai_is_the_next_day_though_utc_is_still_before() -> None:
    late = order("paid", ordered_at=at("2026-03-02 00:30"))  # 2026-03-01 16:30 UTC
    _, deltas = order_effect(None, late, ZONE)
    assert {d.day for d in deltas} == {"2026-03-02"}


def test_refunds_count_by_growth_on_the_day_of_the_change() -> None:
    memo, _ = order_effect(None, order("paid"), ZONE)
    memo, deltas = order_effect(
        memo, order("paid", refunded_cents=3_000, at=at("2026-03-05 10:00")), ZONE
    )
    assert fold(deltas)[("2026-03-05", "total")] == {"refunded_cents": 3_000}
    memo, deltas = order_effect(memo, order("refunded", refunded_cents=10_000), ZONE)
    assert sum(d.amount for d in deltas if d.dimension == "total") == 7_000
    assert memo.refunded_cents == 10_000
    assert order_effect(memo, order("refunded", refunded_cents=10_000), ZONE)[1] == []


def test_a_cancelled_paid_order_is_refunded_in_full_and_a_cancelled_pending_one_is_nothing() -> (
    None
):
    memo, _ = order_effect(None, order("paid"), ZONE)
    _, deltas = order_effect(memo, order("cancelled"), ZONE)
    assert fold(deltas)[("2026-03-01", "total")] == {"refunded_cents": 10_000}
    assert order_effect(None, order("pending"), ZONE) == (OrderMemo(), [])
    assert order_effect(None, order("cancelled"), ZONE) == (OrderMemo(), [])


def test_repeat_orders_and_unattributed_contacts() -> None:
    _, deltas = order_effect(None, order("paid", first_order=False, channel="", code=""), ZONE)
    rows = fold(deltas)
    assert set(rows) == {("2026-03-01", "total"), ("2026-03-01", "channel#unknown")}
    assert rows[("2026-03-01", "total")]["repeat_orders"] == 1


def test_points_tiers_deliveries_and_deletions() -> None:
    def points(delta: int, reason: str) -> PointsChanged:
        return PointsChanged("p", "wm1", delta, reason, 100, at("2026-03-01 12:00"))

    assert fold(points_effect(points(50, "task"), ZONE))[("2026-03-01", "total")] == {
        "points_issued": 50,
        "task_points": 50,
    }
    assert fold(points_effect(points(200, "referral"), ZONE))[("2026-03-01", "total")] == {
        "points_issued": 200,
        "referral_points": 200,
        "referrals": 1,
    }
    assert fold(points_effect(points(128, "earn"), ZONE))[("2026-03-01", "total")] == {
        "points_issued": 128,
        "points_earned": 128,
    }
    # A manual adjustment is not "issued": it is counted apart, in and out.
    assert fold(points_effect(points(20_000_000, "adjust"), ZONE))[("2026-03-01", "total")] == {
        "points_adjusted_in": 20_000_000
    }
    assert fold(points_effect(points(-30, "adjust"), ZONE))[("2026-03-01", "total")] == {
        "points_adjusted_out": 30
    }
    assert fold(points_effect(points(-80, "redeem"), ZONE))[("2026-03-01", "total")] == {
        "points_redeemed": 80
    }
    assert fold(points_effect(points(-5, "expire"), ZONE))[("2026-03-01", "total")] == {
        "points_expired": 5
    }
    tiers = fold(
        tier_effect(TierChanged("t", "wm1", "silver", "gold", at("2026-03-01 09:00")), ZONE)
    )
    assert tiers == {
        ("2026-03-01", "tier#gold"): {"entered": 1},
        ("2026-03-01", "tier#silver"): {"left": 1},
    }
    sent = MessageDelivered("m", "wm1", "plan1", "s1", "zhangsan", at("2026-03-01 09:00"))
    assert fold(delivery_effect(sent, ZONE))[("2026-03-01", "sop#plan1#s1")] == {"deliveries": 1}
    lost = fold(deletion_effect(at("2026-03-10 09:00"), "poster", at("2026-03-01 23:59"), 8, ZONE))
    assert lost == {
        ("2026-03-10", "channel#poster"): {"retention_days_sum": 8, "retention_known": 1},
        ("2026-03-01", "channel#poster"): {"cohort_lost": 1},
    }
