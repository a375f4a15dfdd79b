"""The customer directory as the admin API takes and gives it: filters, pages, counts,
saved audiences and exports. Plain pydantic (no DuckDB, no pyarrow): the API handler imports
this module, the query engine runs elsewhere (:mod:`chalicelib.directory.gateway`)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

AUDIENCE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
MAX_PAGE = 200
#: Pages of contact ids handed to jobs (broadcasts, SOP date plans): one add_msg_template.
ID_PAGE = 10_000

Text = Annotated[str, Field(min_length=1, max_length=64)]
Ids = Annotated[list[Text], Field(max_length=200)]
Sort = Literal["added_at", "spend", "last_order"]
Order = Literal["desc", "asc"]
Status = Literal["following", "lost"]


class Range(BaseModel):
    """``min`` and ``max`` are inclusive; either may be left out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: int | None = Field(None, ge=0, le=10**15)
    max: int | None = Field(None, ge=0, le=10**15)

    @model_validator(mode="after")
    def _possible(self) -> Range:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"an impossible range: min {self.min} is above max {self.max}")
        return self


class TagCondition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    any_of: Ids = Field(default_factory=list)
    all_of: Ids = Field(default_factory=list)
    none_of: Ids = Field(default_factory=list)

    def ids(self) -> set[str]:
        return {*self.any_of, *self.all_of, *self.none_of}


class LastOrder(BaseModel):
    """``within_days``: ordered in the last N days; ``none_within_days``: no order for N days
    (or never)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    within_days: int | None = Field(None, ge=1, le=3650)
    none_within_days: int | None = Field(None, ge=1, le=3650)

    @model_validator(mode="after")
    def _one(self) -> LastOrder:
        if (self.within_days is None) == (self.none_within_days is None):
            raise ValueError("last_order needs exactly one of within_days or none_within_days")
        return self


class Filter(BaseModel):
    """Every condition given must hold (AND); inside a list, any value matches (OR) unless
    the name says otherwise. An empty filter matches every customer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tags: TagCondition | None = None
    channels: Ids = Field(default_factory=list)
    codes: Ids = Field(default_factory=list, description="live codes the customer came through")
    staff: Ids = Field(default_factory=list, description="followed by any of these staff userids")
    added: Range | None = Field(None, description="first added, epoch seconds")
    status: Status | None = None
    segments: Ids = Field(default_factory=list)
    tiers: Ids = Field(default_factory=list)
    spend_cents: Range | None = None
    orders: Range | None = None
    last_order: LastOrder | None = None
    points: Range | None = None
    groups: Ids = Field(default_factory=list, description="member of any of these chat ids")
    referrer: Text | None = None
    gender: Literal[0, 1, 2] | None = None
    text: str | None = Field(None, min_length=1, max_length=64, description="name or remark")


class SearchIn(BaseModel):
    """``POST /admin/directory/search``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    filter: Filter = Field(default_factory=lambda: Filter.model_validate({}))
    sort: Sort = "added_at"
    order: Order = "desc"
    cursor: str | None = Field(None, max_length=512)
    limit: int = Field(50, ge=1, le=MAX_PAGE)


class CountIn(BaseModel):
    """``POST /admin/directory/count``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    filter: Filter = Field(default_factory=lambda: Filter.model_validate({}))


class DirectoryRow(BaseModel):
    """One customer as the directory knows them (at most five minutes old: see ``as_of``).
    Phone numbers appear only as their stored hashes."""

    contact_id: str
    name: str = ""
    gender: int = 0
    status: Status = "following"
    channel: str = ""
    codes: list[str] = Field(default_factory=list)
    staff: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    remarks: str = ""
    added_at: int | None = None
    segment: str | None = None
    high_value: bool = False
    tier: str | None = None
    spend_cents: int = 0
    orders: int = 0
    last_order_at: int | None = None
    points: int = 0
    groups: list[str] = Field(default_factory=list)
    referrer: str | None = None
    phone_hashes: list[str] = Field(default_factory=list)


class SearchOut(BaseModel):
    items: list[DirectoryRow]
    next_cursor: str | None
    total: int
    as_of: int | None = Field(description="epoch seconds: changes before this are included")


class CountOut(BaseModel):
    count: int
    by_staff: dict[str, int]
    by_channel: dict[str, int]
    as_of: int | None


class AudienceIn(BaseModel):
    """``PUT /admin/audiences/{audience_id}``: a named filter, evaluated when used."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64)
    description: str = Field("", max_length=500)
    filter: Filter


class Audience(AudienceIn):
    id: str
    updated_at: int = 0
    updated_by: str = ""


class AudienceList(BaseModel):
    items: list[Audience]


class ExportIn(BaseModel):
    """``POST /admin/directory/exports``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    filter: Filter = Field(default_factory=lambda: Filter.model_validate({}))
    format: Literal["csv", "xlsx"] = "csv"


ExportStatus = Literal["queued", "running", "done", "failed"]


class ExportStarted(BaseModel):
    export_id: str
    status: ExportStatus


class ExportState(BaseModel):
    export_id: str
    status: ExportStatus
    progress: float = Field(0.0, ge=0, le=1)
    rows: int = 0
    format: Literal["csv", "xlsx"] = "csv"
    url: str | None = Field(None, description="a presigned link, valid for a few minutes")
    error: str | None = None
