"""Request and answer models of live codes, validated at the edge."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

Mode = Literal["round_robin", "weighted", "least_loaded"]
Landing = Literal["redirect", "page"]

#: Code ids and channel keys are short so that ``lc:<code>:<channel>`` fits WeCom's 30.
CODE_PATTERN = r"^[a-z0-9]{1,10}$"
CHANNEL_PATTERN = r"^[a-z0-9_-]{1,16}$"
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

ChannelKey = Annotated[str, Field(pattern=CHANNEL_PATTERN)]
UserId = Annotated[str, Field(min_length=1, max_length=64)]
#: A corporate tag id, as a tag rule takes it (the code's auto-tags become one).
TagId = Annotated[str, Field(min_length=1, max_length=128)]


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


class Window(BaseModel):
    """A working window of one day, local time, ``start`` inclusive, ``end`` exclusive."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: str = Field(pattern=_HHMM.pattern)
    end: str = Field(pattern=_HHMM.pattern)

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if _minutes(self.end) <= _minutes(self.start):
            raise ValueError("a window ends after it starts (split windows crossing midnight)")
        return self

    def span(self) -> tuple[int, int]:
        return _minutes(self.start), _minutes(self.end)


def _dates(value: dict[str, list[Window]]) -> dict[str, list[Window]]:
    for key in value:
        if not _DATE.match(key):
            raise ValueError("special dates are YYYY-MM-DD")
    return value


def _weekdays(value: dict[str, list[Window]]) -> dict[str, list[Window]]:
    for key in value:
        if key not in {"1", "2", "3", "4", "5", "6", "7"}:
            raise ValueError("weekdays are 1 (Monday) to 7 (Sunday)")
    return value


class StaffIn(BaseModel):
    """One member of a code's pool. ``schedule`` maps ISO weekdays ("1"…"7") to windows
    (absent: any time; a weekday not listed: off); ``special_dates`` override it for a date
    (an empty list: off all day)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    userid: UserId
    weight: int = Field(1, ge=1, le=100)
    daily_cap: int | None = Field(None, ge=0, le=100_000)
    schedule: Annotated[dict[str, list[Window]], AfterValidator(_weekdays)] | None = None
    special_dates: Annotated[dict[str, list[Window]], AfterValidator(_dates)] = Field(
        default_factory=dict
    )


class LiveCodeIn(BaseModel):
    """``PUT /admin/live-codes/{code}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("", max_length=64)
    mode: Mode = "round_robin"
    staff: list[StaffIn] = Field(min_length=1, max_length=100)
    backup: list[UserId] = Field(default_factory=list, max_length=10)
    channels: list[ChannelKey] = Field(
        default_factory=lambda: ["default"], min_length=1, max_length=20
    )
    store_id: str | None = Field(None, max_length=64)
    skip_verify: bool = True
    welcome_text: str | None = Field(None, max_length=1000)
    tag_ids: list[TagId] = Field(default_factory=list, max_length=20)
    expires_at: int | None = Field(None, ge=0, description="epoch seconds; absent: never")
    landing: Landing = "redirect"
    title: str = Field("", max_length=64)
    hint: str = Field("", max_length=200)
    #: Scans routed to a member per day may reach ``daily_cap × scan_allowance`` (not every
    #: scan becomes an add); real adds never pass ``daily_cap``.
    scan_allowance: float = Field(1.0, ge=1.0, le=10.0)
    #: How long a scan holds a slot of the member's cap (a reservation, while the customer
    #: decides to add): a cap counts real adds, and reservations expire with their window.
    hold_s: int = Field(300, ge=10, le=3600)
    #: A referral code: the contact (external_userid) whose personal code this is; the
    #: adds it brings are credited to them.
    referrer: str | None = Field(None, min_length=1, max_length=64)
    #: Also keep one multi-person way per channel (a QR printed without the redirect): its
    #: members are rewritten to the eligible ones whenever an add or a save changes them.
    printed: bool = False

    @model_validator(mode="after")
    def _distinct(self) -> LiveCodeIn:
        userids = [member.userid for member in self.staff]
        if len(set(userids)) != len(userids):
            raise ValueError("a staff member appears twice in the pool")
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("a channel appears twice")
        return self


class ReferralCodeIn(BaseModel):
    """``PUT /admin/contacts/{external_userid}/referral-code``: the pool defaults to the
    staff members who follow the contact."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    staff: list[StaffIn] | None = Field(None, min_length=1, max_length=100)
    welcome_text: str | None = Field(None, max_length=1000)
    tag_ids: list[TagId] = Field(default_factory=list, max_length=20)
    landing: Landing = "page"
    title: str = Field("", max_length=64)
    hint: str = Field("", max_length=200)


class Way(BaseModel):
    """A WeCom contact way of the code: one single-person way per member and channel."""

    userid: str
    channel: str
    config_id: str
    qr_code: str = ""
    state: str


class PrintedWay(BaseModel):
    """A multi-person contact way of one channel, printed as it is (no redirect)."""

    channel: str
    config_id: str
    qr_code: str = ""
    users: list[str]


class LiveCode(LiveCodeIn):
    #: Stored documents may carry fields of a newer version (a rolling deploy): ignored.
    model_config = ConfigDict(extra="ignore", frozen=True)

    code: str
    ways: list[Way] = Field(default_factory=list)
    printed_ways: list[PrintedWay] = Field(default_factory=list)
    created_at: int = 0
    updated_at: int = 0
    updated_by: str = ""


class ChannelStats(BaseModel):
    day: str
    channel: str
    scans: int = 0
    adds: int = 0
    deletions: int = 0
    net_adds: int = 0
    conversion: float | None = None


class StaffStats(BaseModel):
    day: str
    userid: str
    scans: int = 0
    adds: int = 0
    daily_cap: int | None = None


class CodeStats(BaseModel):
    code: str
    channels: list[ChannelStats]
    staff: list[StaffStats]


class GroupCodeIn(BaseModel):
    """``PUT /admin/group-codes/{code}``: customer groups in the order they are used; the
    join way holds at most 5 at a time, and a group reaching ``max_members`` is rotated
    out for the next one (with ``auto_create_room``, WeCom opens a new group when the last
    one is full)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("", max_length=64)
    chat_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=100
    )
    max_members: int = Field(200, ge=2, le=2000)
    auto_create_room: bool = True
    room_base_name: str | None = Field(None, max_length=40)
    room_base_id: int | None = Field(None, ge=1)
    expires_at: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _distinct(self) -> GroupCodeIn:
        if len(set(self.chat_ids)) != len(self.chat_ids):
            raise ValueError("a group appears twice")
        return self


class GroupCode(GroupCodeIn):
    model_config = ConfigDict(extra="ignore", frozen=True)

    code: str
    config_id: str = ""
    qr_code: str = ""
    state: str = ""
    active: list[str] = Field(default_factory=list)
    updated_at: int = 0
    updated_by: str = ""


class GroupCodeStats(BaseModel):
    code: str
    day: str
    scans: int = 0
    joins: int = 0
