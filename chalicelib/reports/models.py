"""Reports' types: the request, the period, the tables a report holds, the listing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Kind = Literal["daily", "weekly", "monthly", "custom"]
KINDS: tuple[Kind, ...] = ("daily", "weekly", "monthly", "custom")
MAX_CUSTOM_DAYS = 92
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


class ReportRequest(BaseModel):
    """A report to generate now. ``start`` is a local date (Asia/Shanghai by default):
    daily: that day; weekly: the ISO week holding it (Monday to Sunday); monthly: its
    calendar month; custom: ``start`` to ``end`` inclusive (at most 92 days)."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind = "daily"
    start: date
    end: date | None = None

    @model_validator(mode="after")
    def _custom_end(self) -> ReportRequest:
        for day in (self.start, self.end):
            if day is not None and not EARLIEST <= day <= LATEST:
                raise ValueError(f"dates must be from {EARLIEST} to {LATEST}")
        if self.kind == "custom":
            if self.end is None:
                raise ValueError("a custom report needs an end date")
            if self.end < self.start:
                raise ValueError("end must not be before start")
            if (self.end - self.start).days + 1 > MAX_CUSTOM_DAYS:
                raise ValueError(f"a custom report spans at most {MAX_CUSTOM_DAYS} days")
        elif self.end is not None:
            raise ValueError("only a custom report takes an end date")
        return self


class Period(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Kind
    start: date
    end: date  # inclusive

    @property
    def days(self) -> list[str]:
        count = (self.end - self.start).days + 1
        return [(self.start + timedelta(days=n)).isoformat() for n in range(count)]


def period_of(request: ReportRequest) -> Period:
    start = request.start
    if request.kind == "daily":
        return Period(kind="daily", start=start, end=start)
    if request.kind == "weekly":
        monday = start - timedelta(days=start.weekday())
        return Period(kind="weekly", start=monday, end=monday + timedelta(days=6))
    if request.kind == "monthly":
        first = start.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return Period(kind="monthly", start=first, end=following - timedelta(days=1))
    assert request.end is not None
    return Period(kind="custom", start=start, end=request.end)


class Table(BaseModel):
    """One table of a report: a CSV file, a worksheet, a section of the HTML summary."""

    name: str  # file-safe: channels, daily, …
    title: str
    columns: list[str]
    rows: list[list[Any]]
    #: Columns shown as charts: (kind, category column, value columns).
    chart: tuple[Literal["bar", "line"], str, list[str]] | None = None
    note: str = ""


class Report(BaseModel):
    period: Period
    timezone: str
    generated_at: int
    summary: list[tuple[str, str]]  # label, formatted value
    figures: dict[str, float | int | None]  # the summary's raw values (tests, the listing)
    tables: list[Table]


class ReportFile(BaseModel):
    name: str
    key: str
    content_type: str
    url: str | None = None


class ReportOut(BaseModel):
    id: str
    kind: Kind
    start: date
    end: date
    timezone: str
    generated_at: int
    figures: dict[str, float | int | None]
    files: list[ReportFile]


class ReportList(BaseModel):
    items: list[ReportOut]


class StaffBehavior(BaseModel):
    """A staff member's figures over the period, from WeCom's statistics."""

    userid: str
    new_apply_cnt: int = 0
    new_contact_cnt: int = 0
    chat_cnt: int = 0
    message_cnt: int = 0
    reply_percentage: float | None = None
    avg_reply_time: float | None = None
    negative_feedback_cnt: int = 0
    group_chat_total: int = 0
    group_new_member_cnt: int = 0
    group_member_total: int = 0


class FunnelStep(BaseModel):
    plan_id: str
    plan_name: str
    step_id: str
    targeted: int = 0
    sent: int = 0
    delivered: int = 0
    orders: int = 0
    gmv_cents: int = 0


class Sources(BaseModel):
    """Everything a report is computed from (besides the daily counters)."""

    staff: list[StaffBehavior] = Field(default_factory=list)
    funnel: list[FunnelStep] = Field(default_factory=list)


# --- the console's dashboard -----------------------------------------------------------------


class DashboardQuery(BaseModel):
    """``GET /admin/dashboard?days=N``: today (1) or the last N local days, today included."""

    model_config = ConfigDict(extra="forbid")

    days: int = Field(7, ge=1, le=MAX_CUSTOM_DAYS, description="1 (today), 7, 30…")


class DashboardFigures(BaseModel):
    new_contacts: int
    deletions: int
    net_adds: int
    #: Of the period's new contacts, the share lost since (None when there were none).
    churn_rate: float | None
    retention_rate: float | None
    conversions: int
    conversion_rate: float | None
    orders: int
    repeat_orders: int
    repurchase_rate: float | None
    gmv_cents: int
    net_gmv_cents: int
    deliveries: int


class DashboardDay(BaseModel):
    day: date
    new_contacts: int
    deletions: int
    net_adds: int
    orders: int
    gmv_cents: int


class DashboardSource(BaseModel):
    """A channel or a live code over the period."""

    name: str
    new_contacts: int
    net_adds: int
    conversions: int
    gmv_cents: int


class DashboardStep(BaseModel):
    """An SOP step's deliveries in the period."""

    plan_id: str
    step_id: str
    deliveries: int


class Dashboard(BaseModel):
    days: int
    start: date
    end: date
    timezone: str
    as_of: int
    figures: DashboardFigures
    trend: list[DashboardDay]
    top_channels: list[DashboardSource]
    top_live_codes: list[DashboardSource]
    sop_steps: list[DashboardStep]
