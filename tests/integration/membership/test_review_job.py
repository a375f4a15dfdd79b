"""The tier review reaches every member above the base level, however many: lapsed members
(nothing left in the window) are downgraded, a run out of time resumes where it stopped,
and a new sweep starts once a day."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from chalicelib.membership import service, store
from chalicelib.membership.models import TierConfig
from chalicelib.points import service as points

DAY = 86_400
LEVELS = {
    "window_days": 30,
    "levels": [{"name": "member"}, {"name": "silver", "min_points": 100}],
}


def ticking() -> Callable[[], float]:
    state = {"now": 0.0}

    def clock() -> float:
        state["now"] += 1.0
        return state["now"]

    return clock


@pytest.mark.usefixtures("atomic_moto")  # the job works several items at once
def test_every_lapsed_member_is_downgraded_across_runs_and_the_active_stay(aws: None) -> None:
    now = int(time.time())
    service.put_config(TierConfig.model_validate(LEVELS), "admin")
    lapsed = [f"wmLapsed{n:03d}" for n in range(60)]  # more than a page
    for contact in lapsed:
        points.credit(contact, "adjust#then", "adjust", 150, now - 40 * DAY, expiry_days=0)
        assert service.evaluate(contact, now - 39 * DAY) == "silver"
    points.credit("wmActive", "adjust#now", "adjust", 150, now - DAY, expiry_days=0)
    assert service.evaluate("wmActive", now) == "silver"

    first = service.review(now, limit=25, budget_s=3.0, clock=ticking())
    assert first.more and first.reviewed == 25  # out of time after a page: the rest next run
    runs = [first]
    while runs[-1].more:
        runs.append(service.review(now + 3600 * len(runs), limit=25, budget_s=3.0, clock=ticking()))
        assert len(runs) < 10
    assert sum(run.changed for run in runs) == len(lapsed)
    assert all(service.current_tier(contact) == "member" for contact in lapsed)
    assert service.current_tier("wmActive") == "silver"
    # The sweep is done: the next runs of the day have nothing to do, tomorrow's starts again.
    assert service.review(now + 5 * 3600).reviewed == 0
    assert service.review(now + DAY).reviewed == 1  # the one member still above the base
    assert [m.contact_id for m in store.members_page("silver", 10)[0]] == ["wmActive"]
