"""Date plans: on the plan's local date, every customer of its segment enters it once."""

from __future__ import annotations

import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

from chalicelib.core.settings import get_settings
from chalicelib.sop import store
from chalicelib.sop.planner import Route, Subject, plan_step_for_many
from chalicelib.sop.service import active_plans
from chalicelib.sop.triggers import segment_members, sender_of


def start_due_plans(now: int | None = None) -> int:
    now = int(time.time()) if now is None else now
    tz = ZoneInfo(get_settings().timezone)
    today = datetime.fromtimestamp(now, tz).date()
    started = 0
    for plan in active_plans(("date",)):
        day = date.fromisoformat(str(plan.trigger.date))
        if day > today or not plan.trigger.segment:
            continue
        marker = store.SopItem.bound()(f"plan#{plan.id}", "started", at=now)
        if not store.put_new(marker):
            continue
        start = int(datetime.combine(day, datetime.min.time(), tz).timestamp())
        subjects = [
            Subject(contact, sender)
            for contact in segment_members(plan.trigger.segment)
            if (sender := sender_of(contact))
        ]
        for step in plan.steps:
            plan_step_for_many(Route.of(plan), step, subjects, start=start, now=now)
        started += 1
    return started
