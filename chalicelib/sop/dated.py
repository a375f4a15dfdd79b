"""Date plans: on the plan's local date, every customer of its segment (or of its saved
directory audience, evaluated then) enters it once.

Every tick asks first: the plans' listing says which plans have a date trigger. Without
one, nothing more is read and the plans' models are not loaded (an idle tick's cold start).
"""

from __future__ import annotations

import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

from chalicelib.core.lazy import lazy_import
from chalicelib.core.settings import get_settings
from chalicelib.sop import store
from chalicelib.sop.planner import Route, Subject, plan_step_for_many

service = lazy_import("chalicelib.sop.service")
triggers = lazy_import("chalicelib.sop.triggers")

DATE = "date"


def start_due_plans(now: int | None = None) -> int:
    if not any(row.value == DATE for row in store.query(store.PLANS)):
        return 0
    now = int(time.time()) if now is None else now
    tz = ZoneInfo(get_settings().timezone)
    today = datetime.fromtimestamp(now, tz).date()
    started = 0
    for plan in service.active_plans((DATE,)):
        day = date.fromisoformat(str(plan.trigger.date))
        if day > today or not (plan.trigger.segment or plan.trigger.audience_id):
            continue
        marker = store.Row(f"plan#{plan.id}", "started", at=now)
        if not store.put_new(marker):
            continue
        start = int(datetime.combine(day, datetime.min.time(), tz).timestamp())
        subjects = _subjects(plan.trigger.segment, plan.trigger.audience_id, now)
        for step in plan.steps:
            plan_step_for_many(Route.of(plan), step, subjects, start=start, now=now)
        started += 1
    return started


def _subjects(segment: str | None, audience_id: str | None, now: int) -> list[Subject]:
    if audience_id is not None:
        from chalicelib.directory import queries as directory

        return [
            Subject(m.contact_id, m.sender) for m in directory.audience_members(audience_id, now)
        ]
    return [
        Subject(contact, sender)
        for contact in triggers.segment_members(str(segment))
        if (sender := triggers.sender_of(contact))
    ]
