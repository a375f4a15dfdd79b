"""Choosing a member: rotation modes, caps, schedules, special dates, backups."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.livecodes.models import Mode, StaffIn
from chalicelib.livecodes.rotation import Today, backups, candidates, has_room, on_duty

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # a Monday


def member(userid: str, **fields: object) -> StaffIn:
    return StaffIn.model_validate({"userid": userid, **fields})


def simulate(
    mode: Mode, pool: list[StaffIn], scans: int, now: datetime = MONDAY_10
) -> Counter[str]:
    """Route ``scans`` scans one after another, as the service counts them."""
    reserved: Counter[str] = Counter()
    for n in range(scans):
        today = Today(scans=n, reserved=dict(reserved), held=dict(reserved))  # one window
        ranked = candidates(mode, pool, today, now)
        if not ranked:
            break
        reserved[ranked[0].userid] += 1
    return reserved


def test_round_robin_takes_turns() -> None:
    pool = [member("a"), member("b"), member("c")]
    picks = [candidates("round_robin", pool, Today(scans=n), MONDAY_10)[0].userid for n in range(6)]
    assert picks == ["a", "b", "c", "a", "b", "c"]


def test_round_robin_skips_a_member_who_drops_out() -> None:
    pool = [member("a"), member("b", daily_cap=0), member("c")]
    assert simulate("round_robin", pool, 300) == {"a": 150, "c": 150}


def test_weighted_distributes_by_weight() -> None:
    pool = [member("a", weight=3), member("b", weight=1), member("c", weight=2)]
    assert simulate("weighted", pool, 600) == {"a": 300, "b": 100, "c": 200}


def test_least_loaded_prefers_fewest_real_adds() -> None:
    pool = [member("a"), member("b"), member("c")]
    today = Today(scans=9, reserved={"a": 3, "b": 3, "c": 3}, adds={"a": 2, "b": 0, "c": 1})
    assert [m.userid for m in candidates("least_loaded", pool, today, MONDAY_10)] == ["b", "c", "a"]


def test_least_loaded_evens_out_over_many_scans() -> None:
    pool = [member("a"), member("b"), member("c")]
    assert simulate("least_loaded", pool, 300) == {"a": 100, "b": 100, "c": 100}


@pytest.mark.parametrize("mode", ["round_robin", "weighted", "least_loaded"])
def test_a_member_at_cap_never_gets_a_scan(mode: Mode) -> None:
    pool = [member("a", daily_cap=5), member("b", daily_cap=20)]
    assert simulate(mode, pool, 100) == {"a": 5, "b": 20}


def test_real_adds_at_cap_close_the_member_even_with_scan_allowance() -> None:
    capped = member("a", daily_cap=3)
    assert has_room(capped, Today(held={"a": 3}, adds={"a": 1}), allowance=2.0)
    assert not has_room(capped, Today(held={"a": 3}, adds={"a": 3}), allowance=2.0)
    assert not has_room(capped, Today(held={"a": 5}, adds={"a": 1}), allowance=2.0)


def test_scans_alone_never_close_a_member_for_the_day() -> None:
    capped = member("a", daily_cap=3)
    # 300 scans routed today, none added, none holding a slot now: still open.
    assert has_room(capped, Today(reserved={"a": 300}), allowance=1.0)
    # Three reservations of the current window hold all three slots until it ends.
    assert not has_room(capped, Today(reserved={"a": 3}, held={"a": 3}), allowance=1.0)
    # A real add takes a slot for the day; the reservations only for the window.
    assert not has_room(capped, Today(held={"a": 2}, adds={"a": 1}), allowance=1.0)
    assert has_room(capped, Today(held={"a": 1}, adds={"a": 1}), allowance=1.0)


def test_weekly_schedule() -> None:
    office = member("a", schedule={"1": [{"start": "09:00", "end": "12:00"}]})
    assert on_duty(office, MONDAY_10)
    assert not on_duty(office, MONDAY_10.replace(hour=12))  # end is exclusive
    assert not on_duty(office, MONDAY_10.replace(day=24))  # Tuesday: not listed, off


def test_special_dates_override_the_schedule() -> None:
    holiday = member(
        "a",
        schedule={"1": [{"start": "09:00", "end": "18:00"}]},
        special_dates={"2026-11-23": [], "2026-11-28": [{"start": "10:00", "end": "11:00"}]},
    )
    assert not on_duty(holiday, MONDAY_10)  # off all day on the special date
    assert on_duty(holiday, datetime(2026, 11, 28, 10, 30, tzinfo=SHANGHAI))  # a Saturday shift


@pytest.mark.parametrize("mode", ["round_robin", "weighted", "least_loaded"])
def test_off_schedule_member_never_gets_a_scan(mode: Mode) -> None:
    pool = [member("a", schedule={"2": [{"start": "00:00", "end": "24:00"}]}), member("b")]
    assert simulate(mode, pool, 50) == {"b": 50}


def test_nobody_eligible_leaves_it_to_the_backups() -> None:
    pool = [member("a", daily_cap=0), member("b", schedule={})]
    assert candidates("round_robin", pool, Today(), MONDAY_10) == []
    assert backups(["x", "y"], Today(scans=3)) == ["y", "x"]
    assert backups([], Today()) == []


def test_windows_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="ends after it starts"):
        member("a", schedule={"1": [{"start": "22:00", "end": "06:00"}]})
    with pytest.raises(ValueError, match="weekdays"):
        member("a", schedule={"8": []})
