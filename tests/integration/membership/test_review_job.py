"""The tier review reaches every member whose tier may have lapsed, however many, and only
them: lapsed members (too little left in the window) are downgraded, a run out of time
leaves the rest to the next run, and a member whose tier holds is reviewed again only when
what it stands on would next leave the window."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from chalicelib.membership import service, store
from chalicelib.membership.models import NEVER, TierConfig
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


def review_time(contact: str) -> int | None:
    tier = store.get_tier(contact)
    assert tier is not None
    return tier.review_at


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
    assert sum(run.reviewed for run in runs) == len(lapsed)  # the active member was not due
    assert all(service.current_tier(contact) == "member" for contact in lapsed)
    assert service.current_tier("wmActive") == "silver"
    # Its 150 points leave the window 30 days after they were credited: not a day before.
    assert review_time("wmActive") == now - DAY + 30 * DAY + 1
    assert service.review(now + 28 * DAY).reviewed == 0
    run = service.review(now + 29 * DAY + 1)
    assert (run.reviewed, run.changed) == (1, 1)
    assert service.current_tier("wmActive") == "member"


@pytest.mark.usefixtures("atomic_moto")
def test_a_member_whose_tier_holds_is_reviewed_when_the_next_credit_it_needs_leaves(
    aws: None,
) -> None:
    now = int(time.time())
    service.put_config(TierConfig.model_validate(LEVELS), "admin")
    # Both reach silver with their second credit of 60 (every credit is evaluated), due for
    # review when the first of them leaves the window, 30 days after it was credited.
    points.credit("wmTwo", "adjust#a", "adjust", 60, now - 25 * DAY, expiry_days=0)
    points.credit("wmTwo", "adjust#b", "adjust", 60, now - 5 * DAY, expiry_days=0)
    for n, ago in enumerate((25, 15, 5)):
        points.credit("wmThree", f"adjust#{n}", "adjust", 60, now - ago * DAY, expiry_days=0)
    assert service.current_tier("wmTwo") == service.current_tier("wmThree") == "silver"
    assert review_time("wmTwo") == now + 5 * DAY + 1
    # wmThree's third credit put its lapse later; that is not written on activity.
    assert review_time("wmThree") == now + 5 * DAY + 1

    assert service.review(now + 5 * DAY).reviewed == 0  # not a second early
    run = service.review(now + 5 * DAY + 1)
    assert (run.reviewed, run.changed) == (2, 1)
    assert service.current_tier("wmTwo") == "member"  # 60 left
    assert service.current_tier("wmThree") == "silver"  # 120 left: due when the next leaves
    assert review_time("wmThree") == now + 15 * DAY + 1
    assert service.review(now + 6 * DAY).reviewed == 0


@pytest.mark.usefixtures("atomic_moto")
def test_a_reversal_brings_the_review_forward(aws: None) -> None:
    """A refund takes back points the tier stood on: its evaluation keeps the tier if it
    still holds, and writes the earlier review time."""
    now = int(time.time())
    service.put_config(TierConfig.model_validate(LEVELS), "admin")
    for n, ago in enumerate((25, 15, 10)):
        points.credit("wmBack", f"adjust#{n}", "adjust", 100, now - ago * DAY, expiry_days=0)
    assert review_time("wmBack") == now + 5 * DAY + 1  # silver with the first credit
    run = service.review(now + 5 * DAY + 1)
    assert (run.reviewed, run.changed) == (1, 0)
    assert review_time("wmBack") == now + 20 * DAY + 1  # 100 still left after 15 days
    points.reverse("wmBack", "adjust#2", 100, "shop:1", now + 6 * DAY)
    assert service.evaluate("wmBack", now + 6 * DAY) == "silver"  # 100 left
    assert review_time("wmBack") == now + 15 * DAY + 1


@pytest.mark.usefixtures("atomic_moto")
def test_a_tier_stored_before_review_times_is_due_at_once(aws: None) -> None:
    """Members stored with only the time of their change (the attribute the review time now
    lives in) are all reviewed by the first run, then scheduled."""
    now = int(time.time())
    service.put_config(TierConfig.model_validate(LEVELS), "admin")
    points.credit("wmOld", "adjust#a", "adjust", 150, now - 5 * DAY, expiry_days=0)
    assert service.evaluate("wmOld", now - 5 * DAY) == "silver"
    item = store.TierItem.get(store.member_pk("wmOld"), store.TIER)
    item.update(actions=[store.TierItem.review_at.set(now - 5 * DAY)])  # its change's time
    run = service.review(now)
    assert (run.reviewed, run.changed) == (1, 0)
    assert review_time("wmOld") == now + 25 * DAY + 1
    assert review_time("wmOld") != NEVER
