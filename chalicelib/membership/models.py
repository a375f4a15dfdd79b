"""Types of the membership context: tier levels (configuration) and a contact's tier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class TierLevel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_-]+$")
    #: Points earned within the window (net of reversals) to reach the level.
    min_points: int = Field(0, ge=0, le=10**9)
    #: Spend within the window (paid, net of refunds, minor units) to reach the level.
    min_spend_cents: int = Field(0, ge=0, le=10**12)
    #: A WeCom corporate tag put on the contact while at this level (``mark_tag``).
    tag_id: str | None = Field(None, min_length=1, max_length=64)


class TierConfig(BaseModel):
    """``PUT /admin/membership/tiers``: levels from lowest to highest; the first is where
    every contact starts (its thresholds must be 0)."""

    model_config = ConfigDict(extra="forbid")

    window_days: int = Field(365, ge=1, le=1095)
    #: ``any``: either threshold reaches a level; ``all``: both must.
    requires: Literal["any", "all"] = "any"
    levels: list[TierLevel] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _levels(self) -> TierConfig:
        names = [level.name for level in self.levels]
        if len(set(names)) != len(names):
            raise ValueError("level names must be unique")
        base = self.levels[0]
        if base.min_points or base.min_spend_cents:
            raise ValueError("the first level is the base: its thresholds must be 0")
        return self

    def qualifies(self, level: TierLevel, points: int, spend_cents: int) -> bool:
        by_points = level.min_points > 0 and points >= level.min_points
        by_spend = level.min_spend_cents > 0 and spend_cents >= level.min_spend_cents
        if self.requires == "all":
            return (points >= level.min_points) and (spend_cents >= level.min_spend_cents)
        return by_points or by_spend or (not level.min_points and not level.min_spend_cents)

    def tier_for(self, points: int, spend_cents: int) -> str:
        """The highest level the contact reaches."""
        reached = self.levels[0].name
        for level in self.levels[1:]:
            if self.qualifies(level, points, spend_cents):
                reached = level.name
        return reached

    def level(self, name: str | None) -> TierLevel | None:
        return next((level for level in self.levels if level.name == name), None)


class TierChange(BaseModel):
    tier: str
    previous_tier: str | None
    at: int
    points: int
    spend_cents: int


class Membership(BaseModel):
    contact_id: str
    tier: str | None
    since: int | None = None
    points_in_window: int = 0
    spend_in_window_cents: int = 0
    #: If nothing more is earned or paid, the tier holds until this moment (epoch s) and
    #: the review moves the contact down then; None at the base level.
    holds_until: int | None = None
    history: list[TierChange] = Field(default_factory=list)


class ReviewRun(BaseModel):
    """One run of the tier review: members evaluated, tiers changed, and whether members
    still due are left for the next run (its time budget ran out first)."""

    reviewed: int
    changed: int
    more: bool = False


@dataclass(frozen=True)
class Tier:
    """A contact's current tier as stored; ``version`` moves with every change and
    ``announced`` is the last version told to WeCom and the other contexts."""

    contact_id: str
    tier: str
    previous_tier: str | None = None
    since: int = 0
    version: int = 0
    announced: int = 0
    #: When the tier is to be reviewed: the first moment it would change if nothing more
    #: happened (:meth:`Window.changes_at`); None when never set.
    review_at: int | None = None


#: The review time of a tier that no departure from the window can change.
NEVER = 253_402_300_799  # 9999-12-31T23:59:59Z


@dataclass(frozen=True)
class Window:
    """What counts towards a tier at ``at``: the dated credits (points) and paid orders
    (spend, minor units, net of refunds) of the ``span_s`` seconds before it. An entry
    made at ``t`` counts until ``t + span_s`` and leaves the window the second after."""

    at: int
    span_s: int
    credits: tuple[tuple[int, int], ...] = ()  # (at, points)
    payments: tuple[tuple[int, int], ...] = ()  # (ordered_at, cents)
    #: Both were read (else one was left out: no level has a threshold of it).
    complete: bool = True

    @property
    def points(self) -> int:
        return sum(points for _, points in self.credits)

    @property
    def spend_cents(self) -> int:
        return sum(cents for _, cents in self.payments)

    def changes_at(self, levels: TierConfig) -> int:
        """When the tier reached now would first change if nothing more were earned or
        paid: entries leave the window oldest first, and only leaving can lower a tier.
        :data:`NEVER` when no departure changes it (the base level, or a level with no
        thresholds)."""
        tier = levels.tier_for(self.points, self.spend_cents)
        points, spend = self.points, self.spend_cents
        leaving = sorted(
            [(at, amount, 0) for at, amount in self.credits]
            + [(at, amount, 1) for at, amount in self.payments]
        )
        for n, (at, amount, kind) in enumerate(leaving):
            if kind == 0:
                points -= amount
            else:
                spend -= amount
            if n + 1 < len(leaving) and leaving[n + 1][0] == at:
                continue  # entries of the same second leave together
            if levels.tier_for(points, spend) != tier:
                return max(at + self.span_s + 1, self.at + 1)
        return NEVER
