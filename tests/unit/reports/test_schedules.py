"""The schedules run in UTC (EventBridge); the product's days are Asia/Shanghai days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.reports.service import due_requests


def _schedule(name: str) -> object:
    from app import app

    [source] = [s for s in app.event_sources if getattr(s, "name", "") == name]
    return source.schedule_expression  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "local_times"),
    [("write_reports", ["01:00"]), ("screen_contacts", [f"0{h}:30" for h in range(8)])],
)
def test_utc_crons_fire_at_the_intended_shanghai_times(name: str, local_times: list[str]) -> None:
    cron = _schedule(name)
    hours = str(cron.hours)  # type: ignore[attr-defined]
    first, _, last = hours.partition("-")
    fired = [
        datetime(2026, 3, 1, h, int(cron.minutes), tzinfo=UTC)  # type: ignore[attr-defined]
        .astimezone(ZoneInfo("Asia/Shanghai"))
        .strftime("%H:%M")
        for h in range(int(first), int(last or first) + 1)
    ]
    assert fired == local_times


def test_what_the_daily_run_writes_on_ordinary_days_mondays_and_firsts() -> None:
    def kinds(today: date) -> list[tuple[str, str]]:
        return [(r.kind, r.start.isoformat()) for r in due_requests(today)]

    assert kinds(date(2026, 3, 4)) == [("daily", "2026-03-03")]  # a Wednesday
    assert kinds(date(2026, 3, 9)) == [("daily", "2026-03-08"), ("weekly", "2026-03-02")]
    assert kinds(date(2026, 4, 1)) == [("daily", "2026-03-31"), ("monthly", "2026-03-31")]
