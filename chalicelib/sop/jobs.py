"""Every five minutes: start date plans whose day has come, plan broadcasts to saved
audiences whose time has come, then the SOP tick (send what is
due within caps and quiet hours, poll results). Reserved concurrency 1 keeps ticks apart."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from chalice.app import Rate

from chalicelib.core.lazy import lazy_import
from chalicelib.core.middleware import JobBlueprint

blueprint = JobBlueprint(__name__)
tick = lazy_import("chalicelib.sop.tick")
dated = lazy_import("chalicelib.sop.dated")
planning = lazy_import("chalicelib.broadcasts.planning")


@blueprint.schedule(Rate(5, unit=Rate.MINUTES), name="sop_tick")
def sop_tick(event: Any) -> dict[str, Any]:
    started = dated.start_due_plans()
    planned = planning.plan_waiting()
    report = asdict(tick.run())
    report.pop("reminders", None)
    return {"date_plans_started": started, "broadcasts_planned": planned, **report}
