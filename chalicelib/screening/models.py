"""Screening's types: the configuration, the inputs kept on write, a contact's result."""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Segment = Literal[
    "champions", "loyal", "new", "need_attention", "at_risk", "hibernating", "prospect"
]
SEGMENTS: tuple[Segment, ...] = (
    "champions",
    "loyal",
    "new",
    "need_attention",
    "at_risk",
    "hibernating",
    "prospect",
)


def _ascending(values: list[int], name: str) -> None:
    if len(values) != 4 or any(b <= a for a, b in itertools.pairwise(values)):
        raise ValueError(f"{name} needs 4 strictly ascending thresholds")


class Weights(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recency: float = Field(default=0.3, ge=0, le=1)
    frequency: float = Field(default=0.25, ge=0, le=1)
    monetary: float = Field(default=0.25, ge=0, le=1)
    community: float = Field(default=0.2, ge=0, le=1)

    @model_validator(mode="after")
    def _some_weight(self) -> Weights:
        if self.recency + self.frequency + self.monetary + self.community <= 0:
            raise ValueError("at least one weight must be positive")
        return self


class ActivityPoints(BaseModel):
    """What each kind of community activity is worth towards the community score."""

    model_config = ConfigDict(extra="forbid")

    group: float = Field(default=2, ge=0, le=1000)  # per group the customer is in now
    group_stay_30d: float = Field(
        default=1, ge=0, le=1000
    )  # per group stayed in for 30 days or more
    delivery: float = Field(default=0.2, ge=0, le=1000)  # per SOP step or broadcast received
    referral: float = Field(default=3, ge=0, le=1000)  # per customer brought in
    task_points_per_unit: float = Field(default=1, ge=0, le=1000)  # per 100 task points


class ScreeningConfig(BaseModel):
    """How contacts are scored. Each score dimension is 1 to 5 by four thresholds; the
    score is their weighted mean on 0-100; "high value" is a score at or above
    ``high_value_score``. Tags (WeCom corporate tag ids) are optional."""

    model_config = ConfigDict(extra="forbid")

    #: Days since the last order: at or under each threshold scores 5, 4, 3, 2; above: 1.
    recency_days: list[Annotated[int, Field(ge=1, le=3650)]] = Field(
        default_factory=lambda: [7, 30, 90, 180]
    )
    #: Orders: at or above each threshold scores 2, 3, 4, 5; one order: 1.
    frequency_orders: list[Annotated[int, Field(ge=1, le=1_000_000)]] = Field(
        default_factory=lambda: [2, 3, 5, 10]
    )
    #: Spend over the last 365 days (minor units): at or above each threshold 2, 3, 4, 5.
    monetary_cents: list[Annotated[int, Field(ge=0, le=10**12)]] = Field(
        default_factory=lambda: [10_000, 50_000, 100_000, 500_000]
    )
    #: Community activity points: at or above each threshold 2, 3, 4, 5.
    community_points: list[Annotated[int, Field(ge=0, le=1_000_000)]] = Field(
        default_factory=lambda: [2, 5, 10, 20]
    )
    activity: ActivityPoints = ActivityPoints()
    weights: Weights = Weights()
    high_value_score: float = Field(default=70, ge=0, le=100)
    segment_tags: dict[Segment, Annotated[str, Field(max_length=64)]] = Field(default_factory=dict)
    high_value_tag: str = Field(default="", max_length=64)
    digest_enabled: bool = True

    @model_validator(mode="after")
    def _thresholds(self) -> ScreeningConfig:
        _ascending(self.recency_days, "recency_days")
        _ascending(self.frequency_orders, "frequency_orders")
        _ascending(self.monetary_cents, "monetary_cents")
        _ascending(self.community_points, "community_points")
        return self


class GroupStay(BaseModel):
    active: bool
    days: int


class Inputs(BaseModel):
    """What screening knows of one contact (kept on write, plus groups read when scored)."""

    first_order_at: int | None = None
    last_order_at: int | None = None
    orders: int = 0
    spend_cents: int = 0
    #: Net spend per local day of order (last 366 days), for the rolling windows.
    spend_days: dict[str, int] = Field(default_factory=dict)
    deliveries: int = 0
    referrals: int = 0
    task_points: int = 0
    groups: list[GroupStay] = Field(default_factory=list)


class Scores(BaseModel):
    recency: int
    frequency: int
    monetary: int
    community: int


class Screened(BaseModel):
    """One contact's result on one day."""

    score: float
    segment: Segment
    high_value: bool
    scores: Scores
    spend_30d_cents: int
    spend_90d_cents: int
    spend_365d_cents: int
    days_since_last_order: int | None
    #: Local day on which the recency score next drops (None: no order, or already lowest).
    due_day: str | None


class HistoryEntry(BaseModel):
    day: str
    segment: Segment
    high_value: bool
    score: float
    previous_segment: Segment | None


class ContactScreening(BaseModel):
    contact_id: str
    inputs: Inputs
    score: float | None
    segment: Segment | None
    high_value: bool
    scored_day: str | None
    due_day: str | None
    history: list[HistoryEntry]


class RunRequest(BaseModel):
    """``day``: the local day to screen for (default today)."""

    model_config = ConfigDict(extra="forbid")

    day: str | None = Field(None, pattern=r"^20\d\d-\d{2}-\d{2}$")


class ScreeningRun(BaseModel):
    day: str
    screened: int
    segment_changes: int
    new_high_value: int
    tagged: int
    digests_sent: int
    #: False when the run stopped at its time budget; the next run goes on from there.
    complete: bool = True
