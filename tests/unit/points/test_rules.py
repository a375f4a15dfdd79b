"""Earning rules: points per currency unit, tier multipliers, the first-order bonus; what
refunds take back."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.points.models import EarningRules
from chalicelib.points.service import order_points, reversal_due


def order(cents: int, first: bool = False) -> tuple[int, bool]:
    """An order paid: its amount and whether it is the contact's first."""
    return cents, first


def test_points_per_unit_rounded_down_times_tier_plus_first_order_bonus() -> None:
    rules = EarningRules.model_validate(
        {
            "points_per_unit": 2,
            "unit_cents": 100,
            "tier_multipliers": {"gold": 1.5},
            "first_order_bonus": 30,
        }
    )
    assert order_points(*order(12899), rules, None) == 257  # 2 per yuan of 128.99: 257.98
    assert order_points(*order(12899), rules, "gold") == 385  # 257 × 1.5 = 385.5
    assert order_points(*order(12899, first=True), rules, "gold") == 415
    assert order_points(*order(49), rules, None) == 0  # 0.98 of a point rounds down to none
    # 1.1 × 10 must be 11, not 10 (no binary float rounding on multipliers).
    tenth = EarningRules.model_validate({"tier_multipliers": {"t": 1.1}})
    assert order_points(*order(1000), tenth, "t") == 11


@pytest.mark.parametrize(
    "bad",
    [
        {"tier_multipliers": {"gold": 11}},
        {"tasks": {"join": 0}},
        {"unit_cents": 0},
        {"referral_on": "scan"},
        {"surprise": 1},
    ],
)
def test_invalid_rules_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        EarningRules.model_validate(bad)


@pytest.mark.parametrize(
    ("earned", "amount", "refunded", "cancelled", "due"),
    [
        (128, 12850, 2850, False, 28),
        (128, 12850, 12850, False, 128),
        (128, 12850, 0, True, 128),
        (100, 10000, 3333, False, 33),
        (100, None, 500, False, 0),
        (0, 100, 100, False, 0),
    ],
)
def test_reversals_are_proportional_and_exact_when_full(
    earned: int, amount: int | None, refunded: int, cancelled: bool, due: int
) -> None:
    assert reversal_due(earned, amount, refunded, cancelled) == due


def test_partial_refunds_never_reverse_more_than_a_full_refund() -> None:
    for refunded in range(0, 10001, 7):
        assert 0 <= reversal_due(99, 10000, refunded, False) <= 99
