"""Earning rules: points per currency unit, tier multipliers, the first-order bonus."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.orders.models import Order
from chalicelib.points.models import EarningRules
from chalicelib.points.service import order_points


def order(cents: int, first: bool = False) -> Order:
    return Order.model_validate(
        {
            "order_key": "generic:1",
            "source": "generic",
            "order_id": "1",
            "status": "paid",
            "amount_cents": cents,
            "ordered_at": 0,
            "first_order": first,
        }
    )


def test_points_per_unit_rounded_down_times_tier_plus_first_order_bonus() -> None:
    rules = EarningRules.model_validate(
        {
            "points_per_unit": 2,
            "unit_cents": 100,
            "tier_multipliers": {"gold": 1.5},
            "first_order_bonus": 30,
        }
    )
    assert order_points(order(12899), rules, None) == 257  # 2 per yuan of 128.99: 257.98
    assert order_points(order(12899), rules, "gold") == 385  # 257 × 1.5 = 385.5
    assert order_points(order(12899, first=True), rules, "gold") == 415
    assert order_points(order(49), rules, None) == 0  # 0.98 of a point rounds down to none
    # 1.1 × 10 must be 11, not 10 (no binary float rounding on multipliers).
    tenth = EarningRules.model_validate({"tier_multipliers": {"t": 1.1}})
    assert order_points(order(1000), tenth, "t") == 11


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
