"""Tag catalogue entries and auto-tag rules."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

TagId = Annotated[str, Field(min_length=1, max_length=128)]
Weekday = Annotated[int, Field(ge=1, le=7, description="ISO weekday: 1 Monday … 7 Sunday")]


class CorpTag(BaseModel):
    model_config = ConfigDict(frozen=True)

    tag_id: str
    name: str
    group_id: str
    group_name: str
    order: int = 0


class HourWindow(BaseModel):
    """Local hours ``start`` (inclusive) to ``end`` (exclusive); ``start > end`` crosses
    midnight (22 → 6 is 22:00–05:59)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: int = Field(ge=0, le=23)
    end: int = Field(ge=0, le=24)

    @model_validator(mode="after")
    def _not_empty(self) -> HourWindow:
        if self.start == self.end % 24:
            raise ValueError("start and end must differ (omit hours for the whole day)")
        return self

    @property
    def crosses_midnight(self) -> bool:
        return self.start > self.end

    def contains(self, hour: int) -> bool:
        if self.crosses_midnight:
            return hour >= self.start or hour < self.end
        return self.start <= hour < self.end


class TagRuleIn(BaseModel):
    """``PUT /admin/tag-rules/{rule_id}``. Every condition given must hold; none given
    matches every add."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("", max_length=64)
    tag_ids: list[TagId] = Field(min_length=1, max_length=100)
    enabled: bool = True
    channel: str | None = Field(None, min_length=1, max_length=64)
    #: The live code that brought the customer (its auto-tags are such a rule).
    code: str | None = Field(None, min_length=1, max_length=64)
    gender: Literal[0, 1, 2] | None = Field(None, description="0 unknown, 1 male, 2 female")
    weekdays: list[Weekday] | None = Field(None, min_length=1, max_length=7)
    hours: HourWindow | None = None


class TagRule(TagRuleIn):
    rule_id: str
    updated_at: int = 0
