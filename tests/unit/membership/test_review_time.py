"""When a tier is next reviewed: the first second at which, with nothing more earned or
paid, the tier reached from the window would differ (checked against every second)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.membership.models import NEVER, TierConfig, Window

DAY = 86_400
NOW = 1_800_000_000
LEVELS = [
    {"name": "member"},
    {"name": "silver", "min_points": 100},
    {"name": "gold", "min_points": 1000, "min_spend_cents": 200000},
]


def window(credits: list[tuple[int, int]], payments: list[tuple[int, int]]) -> Window:
    return Window(NOW, 30 * DAY, tuple(credits), tuple(payments))


def tier_at(w: Window, levels: TierConfig, at: int) -> str:
    since = at - w.span_s
    points = sum(p for t, p in w.credits if t >= since)
    spend = sum(c for t, c in w.payments if t >= since)
    return levels.tier_for(points, spend)


def test_gold_by_points_and_spend_falls_when_the_spend_leaves() -> None:
    levels = TierConfig.model_validate({"requires": "all", "levels": LEVELS})
    w = window([(NOW - 2 * DAY, 1000)], [(NOW - 20 * DAY, 200000)])
    assert levels.tier_for(w.points, w.spend_cents) == "gold"
    assert w.changes_at(levels) == NOW - 20 * DAY + 30 * DAY + 1


def test_the_base_level_is_never_reviewed() -> None:
    levels = TierConfig.model_validate({"levels": LEVELS})
    assert window([(NOW - DAY, 50)], []).changes_at(levels) == NEVER
    assert window([], []).changes_at(levels) == NEVER


@settings(max_examples=300, deadline=None)
@given(
    requires=st.sampled_from(["any", "all"]),
    credits=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 600)), max_size=6),
    payments=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 150000)), max_size=4),
)
def test_the_review_time_is_the_first_second_the_tier_would_change(
    requires: str, credits: list[tuple[int, int]], payments: list[tuple[int, int]]
) -> None:
    levels = TierConfig.model_validate({"requires": requires, "levels": LEVELS})
    w = window(
        [(NOW - days * DAY, p) for days, p in credits],
        [(NOW - days * DAY, c) for days, c in payments],
    )
    now_tier = tier_at(w, levels, NOW)
    due = w.changes_at(levels)
    # The entries leave at most 30 days + 1 s from now: check each day's edges.
    moments = sorted({t + w.span_s + d for t, _ in w.credits + w.payments for d in (0, 1)})
    first_change = next((m for m in moments if m > NOW and tier_at(w, levels, m) != now_tier), None)
    assert due == (NEVER if first_change is None else first_change)
