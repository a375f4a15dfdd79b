"""Scores, segments, "high value" and the recency due day, by hand."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from chalicelib.screening.models import GroupStay, Inputs, ScreeningConfig
from chalicelib.screening.scoring import community_points, due_day, score, window_spend

ZONE = "Asia/Shanghai"
TODAY = date(2026, 3, 31)


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(ZONE)).timestamp())


def test_a_frequent_recent_big_spender_is_a_high_value_champion() -> None:
    inputs = Inputs(
        orders=10,
        last_order_at=at("2026-03-29 20:00"),  # 2 days ago: R 5
        spend_cents=600_000,
        spend_days={"2026-03-29": 300_000, "2025-06-01": 300_000},  # 365-day: 600,000: M 5
        groups=[GroupStay(active=True, days=40)] * 4,  # 4 x 2 + 4 x 1 = 12 points: C 4
    )
    result = score(inputs, ScreeningConfig(), TODAY, ZONE)
    assert result.scores.model_dump() == {
        "recency": 5,
        "frequency": 5,
        "monetary": 5,
        "community": 4,
    }
    # (0.3 x 1 + 0.25 x 1 + 0.25 x 1 + 0.2 x 0.75) / 1.0 = 0.95
    assert result.score == 95.0
    assert result.segment == "champions"
    assert result.high_value
    assert result.days_since_last_order == 2
    assert result.due_day == "2026-04-06"  # 29 March + 7 days + 1: more than 7 days ago
    assert (result.spend_30d_cents, result.spend_365d_cents) == (300_000, 600_000)


def test_recency_in_local_days_across_midnight() -> None:
    # 00:30 on 31 March in Shanghai is 30 March in UTC; locally it is today
    result = score(
        Inputs(orders=1, last_order_at=at("2026-03-31 00:30")), ScreeningConfig(), TODAY, ZONE
    )
    assert result.days_since_last_order == 0
    assert result.segment == "new"


@pytest.mark.parametrize(
    ("orders", "days_ago", "segment"),
    [
        (5, 3, "champions"),
        (3, 20, "loyal"),
        (1, 3, "new"),
        (1, 60, "need_attention"),
        (6, 120, "at_risk"),
        (2, 200, "hibernating"),
        (0, None, "prospect"),
    ],
)
def test_segments(orders: int, days_ago: int | None, segment: str) -> None:
    last = None if days_ago is None else at("2026-03-31 12:00") - days_ago * 86_400
    result = score(Inputs(orders=orders, last_order_at=last), ScreeningConfig(), TODAY, ZONE)
    assert result.segment == segment


def test_a_prospect_scores_on_community_alone_and_has_no_due_day() -> None:
    inputs = Inputs(deliveries=10, referrals=1, task_points=300)  # 2 + 3 + 3 = 8 points: C 3
    assert community_points(inputs, ScreeningConfig()) == pytest.approx(8)
    result = score(inputs, ScreeningConfig(), TODAY, ZONE)
    assert result.score == 10.0  # 0.2 x 0.5 / 1.0
    assert result.due_day is None and not result.high_value


def test_due_days_step_through_the_thresholds_and_stop_after_the_last() -> None:
    last = date(2026, 1, 1)
    thresholds = [7, 30, 90, 180]
    assert due_day(last, date(2026, 1, 1), thresholds) == "2026-01-09"
    assert due_day(last, date(2026, 1, 9), thresholds) == "2026-02-01"
    assert due_day(last, date(2026, 7, 1), thresholds) is None


def test_rolling_windows_count_local_days_inclusive() -> None:
    days = {"2026-03-31": 1, "2026-03-02": 10, "2026-03-01": 100}
    assert window_spend(days, TODAY, 30) == 11
    assert window_spend(days, TODAY, 31) == 111


def test_configuration_is_validated() -> None:
    with pytest.raises(ValidationError):
        ScreeningConfig(recency_days=[30, 7, 90, 180])
    with pytest.raises(ValidationError):
        ScreeningConfig.model_validate(
            {"weights": {"recency": 0, "frequency": 0, "monetary": 0, "community": 0}}
        )
    weighted = ScreeningConfig.model_validate(
        {"weights": {"recency": 1, "frequency": 0, "monetary": 0, "community": 0}}
    )
    result = score(Inputs(orders=1, last_order_at=at("2026-02-28 12:00")), weighted, TODAY, ZONE)
    assert result.score == 50.0  # 31 days ago: R 3 → (3 - 1) / 4
