"""Scheduled reports: every day at 01:00 Asia/Shanghai (17:00 UTC the day before;
EventBridge runs in UTC). Yesterday's daily report; last week's on Mondays; last month's on
the 1st (all in local days)."""

from __future__ import annotations

from typing import Any

from chalice.app import Cron

from chalicelib.core.lazy import lazy_import
from chalicelib.core.middleware import JobBlueprint

blueprint = JobBlueprint(__name__)
service = lazy_import("chalicelib.reports.service")


@blueprint.schedule(Cron(0, 17, "*", "*", "?", "*"), name="write_reports")
def write_reports(event: Any) -> dict[str, Any]:
    """Write the reports due today to S3 (those already written are skipped)."""
    return {"written": service.run_scheduled()}
