"""Scoring one contact (pure): RFM from the inputs kept on write, community activity, the
segment, "high value", and the day its recency score next drops."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.reports.aggregates import local_day
from chalicelib.screening.models import (
    Inputs,
    Scores,
    Screened,
    ScreeningConfig,
    Segment,
)

#: The windows kept in ``Inputs.spend_days`` (days, counted back from the scoring day).
KEEP_DAYS = 366


def _up(value: float, thresholds: list[int]) -> int:
    """1 plus the number of thresholds reached (higher is better)."""
    return 1 + sum(1 for t in thresholds if value >= t)


def recency_score(days_since: int, thresholds: list[int]) -> int:
    """5 at or under the first threshold, down to 1 above the last."""
    return 5 - sum(1 for t in thresholds if days_since > t)


def community_points(inputs: Inputs, config: ScreeningConfig) -> float:
    a = config.activity
    active = sum(1 for g in inputs.groups if g.active)
    stayed = sum(1 for g in inputs.groups if g.days >= 30)
    return (
        a.group * active
        + a.group_stay_30d * stayed
        + a.delivery * inputs.deliveries
        + a.referral * inputs.referrals
        + a.task_points_per_unit * inputs.task_points / 100
    )


def window_spend(spend_days: dict[str, int], today: date, days: int) -> int:
    """Net spend on orders placed in the ``days`` local days ending with ``today``."""
    first = (today - timedelta(days=days - 1)).isoformat()
    last = today.isoformat()
    return sum(v for d, v in spend_days.items() if first <= d <= last)


def segment_of(scores: Scores, orders: int) -> Segment:
    r, f = scores.recency, scores.frequency
    if orders == 0:
        return "prospect"
    if r >= 4 and f >= 4:
        return "champions"
    if r >= 3 and f >= 3:
        return "loyal"
    if r >= 4:
        return "new"
    if f >= 3:
        return "at_risk"
    if r <= 2:
        return "hibernating"
    return "need_attention"


def due_day(last_order_day: date, today: date, thresholds: list[int]) -> str | None:
    """The first local day after ``today`` on which days-since-last-order passes a threshold."""
    for t in thresholds:
        crossing = last_order_day + timedelta(days=t + 1)
        if crossing > today:
            return crossing.isoformat()
    return None


def score(inputs: Inputs, config: ScreeningConfig, today: date, zone: str) -> Screened:
    """The contact's result on local day ``today`` (days count in time zone ``zone``)."""
    w = config.weights
    if inputs.orders > 0 and inputs.last_order_at is not None:
        last_day = date.fromisoformat(local_day(inputs.last_order_at, zone))
        days_since: int | None = max(0, (today - last_day).days)
        r = recency_score(days_since or 0, config.recency_days)
        f = _up(inputs.orders, config.frequency_orders)
        spend_365 = window_spend(inputs.spend_days, today, 365)
        m = _up(spend_365, config.monetary_cents)
        due = due_day(last_day, today, config.recency_days)
    else:
        days_since, r, f, m, spend_365, due = None, 0, 0, 0, 0, None
    c = _up(community_points(inputs, config), config.community_points)
    scores = Scores(recency=r, frequency=f, monetary=m, community=c)
    total = w.recency + w.frequency + w.monetary + w.community
    weighted = (
        w.recency * _scaled(r)
        + w.frequency * _scaled(f)
        + w.monetary * _scaled(m)
        + w.community * _scaled(c)
    ) / total
    value = round(weighted * 100, 1)
    return Screened(
        score=value,
        segment=segment_of(scores, inputs.orders),
        high_value=value >= config.high_value_score,
        scores=scores,
        spend_30d_cents=window_spend(inputs.spend_days, today, 30),
        spend_90d_cents=window_spend(inputs.spend_days, today, 90),
        spend_365d_cents=spend_365,
        days_since_last_order=days_since,
        due_day=due,
    )


def _scaled(points: int) -> float:
    """A 1-5 score on 0-1 (0 when there is nothing to score)."""
    return 0.0 if points <= 0 else (points - 1) / 4
