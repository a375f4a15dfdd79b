"""Types of the points context: the earning rules, ledger entries, admin requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

EntryKind = Literal["earn", "refund", "expire", "redeem", "adjust", "task", "referral"]
RequestId = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
Name = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_-]+$")


class EarningRules(BaseModel):
    """How points are earned and when they expire (``PUT /admin/points/rules``)."""

    model_config = ConfigDict(extra="forbid")

    #: Points per currency unit paid (``unit_cents`` minor units), rounded down.
    points_per_unit: int = Field(1, ge=0, le=10_000)
    unit_cents: int = Field(100, ge=1, le=1_000_000)
    #: Multiplier per membership tier (tiers not listed earn ×1).
    tier_multipliers: dict[str, float] = Field(default_factory=dict)
    #: Extra points on a contact's first paid order.
    first_order_bonus: int = Field(0, ge=0, le=1_000_000)
    #: Days a credit lives before its unspent points expire (0: never).
    expiry_days: int = Field(365, ge=0, le=3650)
    #: Points per task (``group_join``, ``profile_completed``, …), once per task and reference.
    tasks: dict[str, int] = Field(default_factory=dict)
    #: Points the referrer earns once per referred contact, on its first order or its add.
    referral_points: int = Field(0, ge=0, le=1_000_000)
    referral_on: Literal["first_order", "add"] = "first_order"
    #: A manual adjustment moving more points than this (either way) needs the admin role.
    adjust_admin_above: int = Field(10_000, ge=0, le=10_000_000)
    #: Points one person may move by hand per local day (credits and debits added up).
    adjust_daily_cap: int = Field(100_000, ge=0, le=100_000_000)

    @field_validator("tier_multipliers")
    @classmethod
    def _multipliers(cls, value: dict[str, float]) -> dict[str, float]:
        for tier, factor in value.items():
            if not tier or len(tier) > 32 or not 0 <= factor <= 10:
                raise ValueError("each multiplier names a tier and is from 0 to 10")
        return value

    @field_validator("tasks")
    @classmethod
    def _tasks(cls, value: dict[str, int]) -> dict[str, int]:
        for task, points in value.items():
            if not task or len(task) > 32 or not 0 < points <= 1_000_000:
                raise ValueError("each task names itself and is worth 1 to 1,000,000 points")
        return value


class LedgerEntry(BaseModel):
    entry_id: str
    kind: EntryKind
    delta: int
    at: int
    reason: str = ""
    ref: str = ""
    operator: str = ""
    #: A refund's share the balance could not cover (already spent).
    uncollected: int = 0
    #: Credits only: when the unspent part expires, and what expired or was reversed.
    expires_at: int | None = None
    expired: int = 0
    reversed: int = 0
    balance_after: int | None = None


class Account(BaseModel):
    contact_id: str
    balance: int
    credited: int = 0
    debited: int = 0
    reversed: int = 0
    entries: list[LedgerEntry] = Field(default_factory=list)
    #: The next page of ``entries`` (pass it as ``cursor``); ``None``: the last page.
    next_cursor: str | None = None


class Reconciliation(BaseModel):
    """Balance = sum of the ledger, and the account's counters agree."""

    contact_id: str
    balance: int
    ledger_sum: int
    entries: int
    consistent: bool


class RedeemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points: int = Field(ge=1, le=10_000_000)
    reason: str = Field(min_length=1, max_length=200)
    request_id: str = RequestId


class AdjustIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delta: int = Field(ge=-10_000_000, le=10_000_000)
    reason: str = Field(min_length=1, max_length=200)
    request_id: str = RequestId

    @field_validator("delta")
    @classmethod
    def _nonzero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("an adjustment moves at least one point")
        return value


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task: str = Name
    ref: str = RequestId


class ExpiryRun(BaseModel):
    """One run of the expiry job: lots looked at, points expired, and whether due lots are
    left for the next run (its time budget ran out first)."""

    lots: int
    expired_points: int
    more: bool = False


@dataclass(frozen=True)
class Entry:
    """A ledger entry as stored (the store's domain object); a credit is also a lot:
    ``amount``, what of it was ``reversed`` or ``expired``, and ``expires_at`` while its
    unspent points may still expire (``expiring``)."""

    contact_id: str
    entry_id: str
    kind: EntryKind
    delta: int
    at: int
    written_ns: int = 0
    reason: str = ""
    ref: str = ""
    operator: str = ""
    uncollected: int = 0
    balance_after: int | None = None
    amount: int | None = None
    reversed: int = 0
    expired: int = 0
    expires_at: int | None = None
    expiring: bool = False

    @property
    def order(self) -> str:
        """Ledger order: time, then when it was written, then the id."""
        return f"{self.at:012d}|{self.written_ns:020d}|{self.entry_id}"

    def view(self) -> LedgerEntry:
        return LedgerEntry(
            entry_id=self.entry_id,
            kind=self.kind,
            delta=self.delta,
            at=self.at,
            reason=self.reason,
            ref=self.ref,
            operator=self.operator,
            uncollected=self.uncollected,
            expires_at=self.expires_at,
            expired=self.expired,
            reversed=self.reversed,
            balance_after=self.balance_after,
        )


@dataclass(frozen=True)
class Balance:
    """An account's balance, its running totals and the version every entry moves."""

    balance: int = 0
    credited: int = 0
    debited: int = 0
    reversed_total: int = 0
    version: int = 0


@dataclass(frozen=True)
class DailyCap:
    """What one person may still move by hand today: ``size`` points against ``cap``."""

    principal: str
    day: str
    size: int
    cap: int
