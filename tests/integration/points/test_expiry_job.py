"""The expiry job within its time: it stops when its budget is spent, saves where it was,
and the next run goes on from there; every due lot expires once."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from chalicelib.points import service
from chalicelib.points.models import EarningRules

DAY = 86_400


def ticking() -> Callable[[], float]:
    """A clock that moves one second each time it is read."""
    state = {"now": 0.0}

    def clock() -> float:
        state["now"] += 1.0
        return state["now"]

    return clock


@pytest.mark.usefixtures("atomic_moto")  # the job works several items at once
def test_a_run_out_of_time_resumes_where_it_stopped_and_expires_each_lot_once(
    aws: None,
) -> None:
    now = int(time.time())
    service.put_rules(EarningRules.model_validate({"expiry_days": 30}), "admin")
    contacts = [f"wmExp{n:02d}" for n in range(12)]
    for contact in contacts:
        service.credit(contact, "adjust#old", "adjust", 10, now - 40 * DAY)
    service.credit("wmFresh", "adjust#new", "adjust", 10, now - 10 * DAY)  # not due yet

    runs = []
    while True:
        run = service.expire_due(now, limit=5, budget_s=5.0, clock=ticking())
        runs.append(run)
        if not run.more:
            break
        assert len(runs) < 10, runs
    assert 1 < len(runs) <= 4  # three pages a run (1 s each here), eight shards
    assert all(run.lots <= 5 for run in runs)
    assert sum(run.expired_points for run in runs) == 10 * len(contacts)
    assert all(service.balance(contact) == 0 for contact in contacts)
    assert all(service.reconcile(contact).consistent for contact in contacts)
    assert service.balance("wmFresh") == 10
    again = service.expire_due(now, budget_s=100.0, clock=ticking())  # a whole new sweep
    assert (again.lots, again.expired_points, again.more) == (0, 0, False)
