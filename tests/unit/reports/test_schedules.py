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
    [
        ("write_reports", ["01:00"]),
        ("screen_contacts", [f"0{h}:{m:02d}" for h in range(8) for m in (0, 15, 30, 45)]),
    ],
)
def test_utc_crons_fire_at_the_intended_shanghai_times(name: str, local_times: list[str]) -> None:
    cron = _schedule(name)
    hours = str(cron.hours)  # type: ignore[attr-defined]
    first, _, last = hours.partition("-")
    start, _, step = str(cron.minutes).partition("/")  # type: ignore[attr-defined]
    minutes = range(int(start), 60, int(step)) if step else [int(start)]
    fired = [
        datetime(2026, 3, 1, h, m, tzinfo=UTC)
        .astimezone(ZoneInfo("Asia/Shanghai"))
        .strftime("%H:%M")
        for h in range(int(first), int(last or first) + 1)
        for m in minutes
    ]
    assert fired == local_times


@pytest.mark.parametrize(("utc", "runs"), [("16:15", False), ("16:30", True), ("23:45", True)])
def test_screening_skips_the_first_half_hour_of_the_day(
    monkeypatch: pytest.MonkeyPatch, utc: str, runs: bool
) -> None:
    from chalicelib.screening import jobs

    hour, minute = (int(x) for x in utc.split(":"))
    at = datetime(2026, 3, 1, hour, minute, tzinfo=UTC).timestamp()
    monkeypatch.setattr(jobs.time, "time", lambda: at)
    ran: list[bool] = []
    monkeypatch.setattr(
        jobs, "service", type("S", (), {"run_daily": lambda: ran.append(True) or _Run()})
    )
    jobs.screen_contacts.func(None)  # type: ignore[attr-defined]
    assert ran == ([True] if runs else [])


def test_what_the_daily_run_writes_on_ordinary_days_mondays_and_firsts() -> None:
    def kinds(today: date) -> list[tuple[str, str]]:
        return [(r.kind, r.start.isoformat()) for r in due_requests(today)]

    assert kinds(date(2026, 3, 4)) == [("daily", "2026-03-03")]  # a Wednesday
    assert kinds(date(2026, 3, 9)) == [("daily", "2026-03-08"), ("weekly", "2026-03-02")]
    assert kinds(date(2026, 4, 1)) == [("daily", "2026-03-31"), ("monthly", "2026-03-31")]


class _Run:
    def model_dump(self) -> dict[str, object]:
        return {"screened": 0}
