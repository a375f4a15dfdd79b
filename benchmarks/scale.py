"""Whether a scheduled job keeps up with a brand of 20 million contacts.

A job keeps up when a day of its schedule does a day's work: the items it can do in a day
(its measured rate, times the seconds its runs work in a day: runs a day times what each
run has, its function's ``lambda_timeout`` in ``.chalice/config.json`` less the margins it
keeps) against the items that fall due in a day at 20 M contacts.

A day's work follows from what each job is given to do, never from the number of contacts
alone: lots expire when they fall due, tiers are reviewed when what they stand on leaves
the window, screening takes the contacts that changed and those whose recency drops, a
tick sends the steps due. How much falls due depends on how a brand's customers behave;
the figures below are stated here, on the heavy side, and printed with each result:

- :data:`CREDITS_PER_YEAR`: points credits (orders, tasks, referrals) per contact a year.
  Each is a lot that expires once, a year on, and an entry that leaves the tier window
  once, so at most this many lots and reviews per contact a year.
- :data:`CHANGED_SHARE`: contacts whose screening inputs change on a day (an order, points,
  tags, a step delivered), and each contact's recency score drops at each of the
  configuration's recency thresholds after its last order.
- :data:`STEPS_PER_WEEK`: SOP steps each contact receives a week.

The rates are measured here, against DynamoDB Local on a shared 2-core machine, which
serves requests more slowly than DynamoDB: a job's rate in AWS is at least this.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from benchmarks.harness import ROOT, Figure

CONTACTS = 20_000_000
DAY_S = 86_400
CREDITS_PER_YEAR = 12  # a monthly buyer; most brands' customers buy a few times a year
CHANGED_SHARE = 0.05
STEPS_PER_WEEK = 2
#: What a run keeps back of its function's time: ``time_budget_s``'s 3 s and a job's 1 s.
RUN_MARGIN_S = 4.0


def timeout_s(function: str) -> float:
    """The function's ``lambda_timeout`` (its own, else the app's)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    own = config.get("lambda_functions", {}).get(function, {})
    return float(own.get("lambda_timeout", config.get("lambda_timeout", 60)))


@dataclass(frozen=True)
class Schedule:
    function: str
    runs_a_day: int
    #: Seconds a run works: what it is given (a job's own budget), else its timeout less
    #: the margins.
    run_s: float | None = None

    @property
    def seconds_a_day(self) -> float:
        run_s = self.run_s if self.run_s is not None else timeout_s(self.function) - RUN_MARGIN_S
        return self.runs_a_day * run_s


def keeps_up(
    name: str, rate: float, schedule: Schedule, a_days_work: float, assumption: str
) -> Figure:
    """The figure: a day's work at 20 M contacts against what a day of the schedule does at
    ``rate`` items/s (goal <= 1x), printed with how it was reckoned."""
    capacity = rate * schedule.seconds_a_day
    print(
        f"{name}: {rate:,.0f} items/s here x {schedule.seconds_a_day:,.0f} s of runs a day "
        f"({schedule.runs_a_day} runs of {schedule.function}) = {capacity:,.0f} items a day; "
        f"a day at {CONTACTS:,} contacts is {a_days_work:,.0f} ({assumption}); "
        f"all {CONTACTS:,} at once would take {CONTACTS / max(capacity, 1):,.1f} days",
        flush=True,
    )
    return Figure(
        f"{name}: a day's work at 20 M contacts, against a day of its schedule",
        a_days_work,
        capacity,
        1.0,
        f"{rate:,.0f}/s x {schedule.seconds_a_day:,.0f} s a day",
        1,
        unit="items",
    )
