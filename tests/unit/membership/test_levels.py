"""Tier levels: the highest level reached by points or spend (or both, when required)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.membership.models import TierConfig

LEVELS = [
    {"name": "member"},
    {"name": "silver", "min_points": 100},
    {"name": "gold", "min_points": 1000, "min_spend_cents": 200000},
]


@pytest.mark.parametrize(
    ("requires", "points", "spend", "tier"),
    [
        ("any", 0, 0, "member"),
        ("any", 100, 0, "silver"),
        ("any", 5, 200000, "gold"),
        ("any", 1000, 0, "gold"),
        ("all", 1000, 0, "silver"),
        ("all", 1000, 200000, "gold"),
    ],
)
def test_the_highest_level_reached(requires: str, points: int, spend: int, tier: str) -> None:
    config = TierConfig.model_validate({"requires": requires, "levels": LEVELS})
    assert config.tier_for(points, spend) == tier


@pytest.mark.parametrize(
    "levels",
    [[], [{"name": "base", "min_points": 1}], [{"name": "a"}, {"name": "a", "min_points": 5}]],
)
def test_levels_need_a_zero_base_and_unique_names(levels: list[dict[str, object]]) -> None:
    with pytest.raises(ValidationError):
        TierConfig.model_validate({"levels": levels})
