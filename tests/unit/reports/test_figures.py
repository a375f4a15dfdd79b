"""Every report figure against a case small enough to check by hand."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.reports.figures import build
from chalicelib.reports.models import (
    FunnelStep,
    Period,
    ReportRequest,
    Sources,
    StaffBehavior,
    period_of,
)

PERIOD = Period(kind="custom", start=date(2026, 3, 1), end=date(2026, 3, 2))
ROWS = {
    "2026-03-01": {
        "channel#poster": {
            "adds": 10,
            "deletions_by_customer": 2,
            "deletions_by_transfer": 4,  # a handover, not a loss
            "cohort_lost": 3,
            "retention_days_sum": 12,
            "retention_known": 2,
            "first_orders": 4,
            "orders": 5,
            "repeat_orders": 1,
            "gmv_cents": 50_000,
            "refunded_cents": 5_000,
        },
        "staff#zhangsan": {"adds": 10, "deletions_by_customer": 2},
        "code#spring#poster": {"adds": 6, "orders": 2, "first_orders": 2, "gmv_cents": 20_000},
        "total": {
            "orders": 5,
            "first_orders": 4,
            "repeat_orders": 1,
            "gmv_cents": 50_000,
            "refunded_cents": 5_000,
            "points_issued": 300,
            "points_earned": 200,
            "task_points": 60,
            "referral_points": 40,
            "points_adjusted_in": 5_000,
            "points_adjusted_out": 7,
            "referrals": 2,
        },
        "sop#p1#s1": {"deliveries": 7},
        "tier#gold": {"entered": 3},
        "groups": {"joins": 4},
    },
    "2026-03-02": {
        "channel#store": {
            "adds": 5,
            "deletions_by_staff": 1,
            "retention_days_sum": 30,
            "retention_known": 1,
            "first_orders": 1,
            "orders": 3,
            "repeat_orders": 2,
            "gmv_cents": 30_000,
        },
        "total": {
            "orders": 3,
            "first_orders": 1,
            "repeat_orders": 2,
            "gmv_cents": 30_000,
            "points_redeemed": 100,
        },
        "tier#gold": {"left": 1},
    },
}


@pytest.fixture
def report():  # type: ignore[no-untyped-def]
    sources = Sources(
        staff=[
            StaffBehavior(userid="zhangsan", new_apply_cnt=12, chat_cnt=9, message_cnt=20),
        ],
        funnel=[
            FunnelStep(
                plan_id="p1",
                plan_name="新客 7 天",
                step_id="s1",
                targeted=10,
                sent=9,
                delivered=8,
                orders=2,
                gmv_cents=9_900,
            )
        ],
    )
    return build(PERIOD, ROWS, sources, "Asia/Shanghai", 1_772_000_000)


def table(report, name):  # type: ignore[no-untyped-def]
    found = next(t for t in report.tables if t.name == name)
    return [dict(zip(found.columns, row, strict=True)) for row in found.rows]


def test_summary_figures(report) -> None:  # type: ignore[no-untyped-def]
    f = report.figures
    assert f["new_contacts"] == 15
    assert f["deletions"] == 3  # 2 by customers + 1 by staff; the transfer is not a loss
    assert f["net_adds"] == 12
    assert f["retention_rate"] == pytest.approx(12 / 15)  # 3 of the 15 new were lost
    assert f["churn_rate"] == pytest.approx(3 / 15)
    assert f["avg_retention_days"] == pytest.approx(42 / 3)  # (12 + 30) days / 3 relationships
    assert f["conversions"] == 5
    assert f["conversion_rate"] == pytest.approx(5 / 15)
    assert f["orders"] == 8
    assert f["repurchase_rate"] == pytest.approx(3 / 8)
    assert f["gmv_cents"] == 80_000
    assert f["net_gmv_cents"] == 75_000
    assert f["referrals"] == 2
    assert f["points_issued"] == 300
    assert (f["points_earned"], f["task_points"], f["referral_points"]) == (200, 60, 40)
    assert (f["points_adjusted_in"], f["points_adjusted_out"]) == (5_000, 7)
    assert ("积分发放 Points issued", "300") in report.summary
    assert ("手工调整 Manual adjustments", "+5000 / -7") in report.summary
    points = {row["figure"]: row["value"] for row in table(report, "points")}
    assert points["issued (earned, tasks, referrals; no adjustments)"] == 300
    assert points["of which earned on orders"] == 200
    assert points["manual adjustments added"] == 5_000
    assert f["points_redeemed"] == 100
    assert ("复购率 Repurchase rate", "37.5%") in report.summary
    assert ("净 GMV Net GMV", "¥750.00") in report.summary


def test_per_channel_rows(report) -> None:  # type: ignore[no-untyped-def]
    poster, store = table(report, "channels")
    assert poster["channel"] == "poster"  # most adds first
    assert poster["retention_rate_pct"] == 70.0  # 7 of 10 kept
    assert poster["avg_retention_days"] == 6.0  # 12 days / 2
    assert poster["conversion_rate_pct"] == 40.0  # 4 first orders / 10 adds
    assert poster["repurchase_rate_pct"] == 20.0  # 1 repeat / 5 orders
    assert poster["net_gmv_yuan"] == 450.0
    assert store["retention_rate_pct"] == 100.0
    assert store["avg_retention_days"] == 30.0
    assert store["repurchase_rate_pct"] == pytest.approx(66.7)


def test_day_staff_code_funnel_points_and_tiers(report) -> None:  # type: ignore[no-untyped-def]
    first, second = table(report, "daily")
    assert (first["day"], first["new_contacts"], first["deletions"], first["group_joins"]) == (
        "2026-03-01",
        10,
        2,
        4,
    )
    assert (second["orders"], second["repeat_orders"], second["gmv_yuan"]) == (3, 2, 300.0)
    [staff] = table(report, "staff")
    assert (staff["adds"], staff["applications"], staff["chats"]) == (10, 12, 9)
    [code] = table(report, "live_codes")
    assert (code["code"], code["channel"], code["conversions"], code["net_gmv_yuan"]) == (
        "spring",
        "poster",
        2,
        200.0,
    )
    [step] = table(report, "sop_funnel")
    assert (step["delivered_in_period"], step["delivery_rate_pct"], step["orders"]) == (7, 80.0, 2)
    points = {row["figure"]: row["value"] for row in table(report, "points")}
    assert points["redeemed"] == 100 and points["manual adjustments removed"] == 7
    assert table(report, "tiers") == [{"tier": "gold", "entered": 3, "left": 1, "net": 2}]


def test_empty_period_has_no_rates_rather_than_a_division_by_zero() -> None:
    empty = build(PERIOD, {}, Sources(), "Asia/Shanghai", 0)
    assert empty.figures["retention_rate"] is None
    assert empty.figures["repurchase_rate"] is None
    assert ("留存率 Retention", "—") in empty.summary


def test_periods_in_local_days() -> None:
    week = period_of(ReportRequest(kind="weekly", start=date(2026, 3, 4)))  # a Wednesday
    assert (week.start, week.end) == (date(2026, 3, 2), date(2026, 3, 8))
    leap = period_of(ReportRequest(kind="monthly", start=date(2028, 2, 17)))
    assert len(leap.days) == 29 and leap.days[-1] == "2028-02-29"
    assert period_of(ReportRequest(kind="daily", start=date(2026, 3, 1))).days == ["2026-03-01"]
    with pytest.raises(ValueError, match="end"):
        ReportRequest(kind="custom", start=date(2026, 3, 2), end=date(2026, 3, 1))
    with pytest.raises(ValueError, match="92"):
        ReportRequest(kind="custom", start=date(2026, 1, 1), end=date(2026, 6, 1))
