"""Frequency caps and quiet hours in the corp's local time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from chalicelib.messaging.limits import Caps, QuietHours

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ).timestamp())


def test_the_default_month_cap_is_the_number_of_days_in_the_month() -> None:
    caps = Caps(None, None, None, TZ)
    february = [at(f"2026-02-{day:02d} 10:00") for day in range(1, 29)]
    assert caps.next_allowed(february, at("2026-02-28 12:00")) == at("2026-03-01 00:00")
    assert caps.next_allowed(february[:-1], at("2026-02-28 12:00")) is None


def test_day_and_week_caps_count_local_calendar_days_and_iso_weeks() -> None:
    daily = Caps(1, None, None, TZ)
    # 23:30 in Shanghai is 15:30 UTC: still the same local day.
    assert daily.next_allowed([at("2026-11-23 23:30")], at("2026-11-23 23:50")) == at(
        "2026-11-24 00:00"
    )
    assert daily.next_allowed([at("2026-11-23 23:30")], at("2026-11-24 00:10")) is None
    weekly = Caps(None, 7, None, TZ)
    week = [at(f"2026-11-{day} 10:00") for day in range(23, 30)]  # Monday to Sunday
    assert weekly.next_allowed(week, at("2026-11-29 12:00")) == at("2026-11-30 00:00")


def test_quiet_hours_wrap_midnight_and_end_in_the_morning() -> None:
    quiet = QuietHours.parse("22:00-08:00", TZ)
    assert not quiet.is_quiet(at("2026-11-23 21:59"))
    assert quiet.ends_at(at("2026-11-23 22:00")) == at("2026-11-24 08:00")
    assert quiet.ends_at(at("2026-11-24 03:00")) == at("2026-11-24 08:00")
    assert quiet.later_if_quiet(at("2026-11-24 00:00")) == at("2026-11-24 08:00")
    assert not QuietHours.parse("", TZ).is_quiet(at("2026-11-24 03:00"))
    lunch = QuietHours.parse("12:00-13:30", TZ)
    assert lunch.ends_at(at("2026-11-24 12:10")) == at("2026-11-24 13:30")
