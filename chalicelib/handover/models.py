"""Typed requests, results and the pure rules of handover and the initial sync."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: WeCom takes at most this many customers per transfer call, and userids per batch read.
WECOM_BATCH = 100
#: Customers one admin request may name; larger handovers are several requests.
MAX_CUSTOMERS_PER_REQUEST = 1000
#: WeCom lets a customer be transferred at most this many times per window.
MAX_TRANSFERS_PER_WINDOW = 2
TRANSFER_WINDOW_S = 90 * 86_400

WAITING = "waiting"
SUCCESS = "success"
FAILED = "failed"
REFUSED = "refused"
LIMIT = "limit"
NO_RECORD = "no_record"
#: The call may have reached WeCom but no answer came back: transfer_result settles it.
UNCONFIRMED = "unconfirmed"
UNKNOWN = "unknown"

#: ``transfer_result`` status → ours: 1 taken over, 2 waiting, 3 refused by the customer,
#: 4 the takeover member is at their customer limit, 5 no transfer record.
RESULT_STATUSES = {1: SUCCESS, 2: WAITING, 3: REFUSED, 4: LIMIT, 5: NO_RECORD}
#: Ends in which the customer was not moved: the transfer no longer counts against the cap.
NOT_MOVED = frozenset({FAILED, REFUSED, LIMIT, NO_RECORD})
#: Still open: the hourly refresh polls these.
OPEN = frozenset({WAITING, UNCONFIRMED})

T = TypeVar("T")


def status_of(result_status: int | None) -> str:
    """Our status for a ``transfer_result`` status code (``unknown`` for a code WeCom adds)."""
    return RESULT_STATUSES.get(result_status if result_status is not None else -1, UNKNOWN)


def batches(items: Sequence[T], size: int = WECOM_BATCH) -> list[list[T]]:
    """``items`` in consecutive chunks of at most ``size`` (WeCom's per-call limit)."""
    if size < 1:
        raise ValueError("batch size must be positive")
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


def within_window(times: Sequence[int], now: int, window_s: int = TRANSFER_WINDOW_S) -> int:
    """How many of ``times`` (epoch seconds) fall in the window ending at ``now``."""
    return sum(1 for at in times if now - window_s < at <= now)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _unique(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        value = value.strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


class TransferRequest(_Model):
    handover_userid: str = Field(min_length=1, max_length=64)
    takeover_userid: str = Field(min_length=1, max_length=64)
    external_userids: list[str] = Field(min_length=1, max_length=MAX_CUSTOMERS_PER_REQUEST)
    transfer_success_msg: str | None = Field(None, max_length=200)
    resigned: bool = False

    @field_validator("external_userids")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        unique = _unique(value)
        if not unique:
            raise ValueError("needs at least one external_userid")
        return unique

    @model_validator(mode="after")
    def _two_people(self) -> TransferRequest:
        if self.handover_userid == self.takeover_userid:
            raise ValueError("handover and takeover must be different members")
        return self


class Transfer(BaseModel):
    """One customer's handover, as stored."""

    model_config = ConfigDict(frozen=True)

    handover_userid: str
    external_userid: str
    takeover_userid: str
    status: str
    errcode: int | None
    resigned: bool
    requested_at: int
    requested_by: str
    takeover_time: int | None
    updated_at: int


class TransferOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: list[Transfer]
    accepted: int
    failed: int


class RefreshOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    pairs: int
    updated: int
    still_open: int


class RefreshRequest(_Model):
    handover_userid: str | None = Field(None, min_length=1, max_length=64)


class SyncRequest(_Model):
    staff: list[str] = Field(min_length=1, max_length=10_000)
    restart: bool = False
    max_pages: int = Field(5, ge=1, le=50)

    @field_validator("staff")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        unique = _unique(value)
        if not unique:
            raise ValueError("needs at least one staff userid")
        return unique


class SyncProgress(BaseModel):
    """How far the initial sync got: staff whose customers are all imported, contacts
    imported so far, and WeCom's cursor within the current batch of staff."""

    model_config = ConfigDict(frozen=True)

    done_staff: int
    contacts_seen: int
    cursor: str


class SyncRun(BaseModel):
    model_config = ConfigDict(frozen=True)

    progress: SyncProgress
    total_staff: int
    more: bool
