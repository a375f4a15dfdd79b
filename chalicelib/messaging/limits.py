"""Frequency caps per customer and quiet hours, in the corp's local time.

Caps count mass messages a customer was sent in the local calendar day, ISO week and month
(``Settings.message_cap_per_*``; the month cap defaults to the number of days in the month,
WeCom's current limit). A capped customer is deferred to the next moment the caps allow,
never dropped. During quiet hours nothing is sent to customers.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from chalicelib.core.settings import Settings, get_settings


@dataclass(frozen=True)
class Caps:
    per_day: int | None
    per_week: int | None
    per_month: int | None  # None: the number of days in the month
    tz: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Caps:
        settings = settings or get_settings()
        return cls(
            settings.message_cap_per_day,
            settings.message_cap_per_week,
            settings.message_cap_per_month,
            ZoneInfo(settings.timezone),
        )

    def next_allowed(self, sent_at: Iterable[int], now: int) -> int | None:
        """None when one more message may go out at ``now``; else the local time (epoch
        seconds) when the caps next allow one."""
        local = datetime.fromtimestamp(now, self.tz)
        day, week, month = _day_key(local), _week_key(local), (local.year, local.month)
        on_day = in_week = in_month = 0
        for at in sent_at:
            then = datetime.fromtimestamp(at, self.tz)
            on_day += _day_key(then) == day
            in_week += _week_key(then) == week
            in_month += (then.year, then.month) == month
        month_cap = self.per_month or calendar.monthrange(local.year, local.month)[1]
        midnight = datetime.combine(local.date(), time(0), self.tz)
        if in_month >= month_cap:
            first = (midnight.replace(day=1) + timedelta(days=32)).replace(day=1)
            return int(first.timestamp())
        if self.per_week is not None and in_week >= self.per_week:
            monday = midnight + timedelta(days=7 - local.weekday())
            return int(monday.timestamp())
        if self.per_day is not None and on_day >= self.per_day:
            return int((midnight + timedelta(days=1)).timestamp())
        return None


def _day_key(at: datetime) -> tuple[int, int, int]:
    return at.year, at.month, at.day


def _week_key(at: datetime) -> tuple[int, int]:
    iso = at.isocalendar()
    return iso[0], iso[1]


@dataclass(frozen=True)
class QuietHours:
    """A local window such as 22:00-08:00 (it may wrap midnight); empty: never quiet."""

    start: time | None
    end: time | None
    tz: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> QuietHours:
        settings = settings or get_settings()
        return cls.parse(settings.message_quiet_hours, ZoneInfo(settings.timezone))

    @classmethod
    def parse(cls, window: str, tz: ZoneInfo) -> QuietHours:
        if not window:
            return cls(None, None, tz)
        start, _, end = window.partition("-")
        return cls(time.fromisoformat(start), time.fromisoformat(end), tz)

    def is_quiet(self, now: int) -> bool:
        return self.ends_at(now) is not None

    def ends_at(self, now: int) -> int | None:
        """When the quiet window around ``now`` ends (epoch seconds); None: not quiet."""
        if self.start is None or self.end is None or self.start == self.end:
            return None
        local = datetime.fromtimestamp(now, self.tz)
        clock = local.time()
        if self.start < self.end:
            quiet = self.start <= clock < self.end
            end_day = local.date()
        else:
            quiet = clock >= self.start or clock < self.end
            end_day = local.date() + timedelta(days=1) if clock >= self.start else local.date()
        if not quiet:
            return None
        return int(datetime.combine(end_day, self.end, self.tz).timestamp())

    def later_if_quiet(self, at: int) -> int:
        """``at``, moved to the end of the quiet window it falls in."""
        return self.ends_at(at) or at
