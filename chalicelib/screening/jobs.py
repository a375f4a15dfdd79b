"""The daily screening run: 00:30 in Asia/Shanghai (16:30 UTC; EventBridge runs in UTC),
then hourly until 07:30 so that a day too large for one run's budget is finished (a
completed day returns at once)."""

from __future__ import annotations

from typing import Any

from chalice.app import Cron

from chalicelib.core.lazy import lazy_import
from chalicelib.core.middleware import JobBlueprint

blueprint = JobBlueprint(__name__)
service = lazy_import("chalicelib.screening.service")


@blueprint.schedule(Cron(30, "16-23", "*", "*", "?", "*"), name="screen_contacts")
def screen_contacts(event: Any) -> dict[str, Any]:
    """Screen the contacts that changed yesterday or whose recency drops today."""
    return dict(service.run_daily().model_dump())
