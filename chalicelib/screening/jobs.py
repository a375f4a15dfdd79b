"""The daily screening run: every quarter of an hour from 00:30 to 07:45 in Asia/Shanghai
(EventBridge runs in UTC: 16:00-23:45, the first two skipped so that yesterday's last
changes are in), so that a day too large for one run's budget is finished by morning (a
completed day returns at once). Each run works 13 minutes of its 15, so runs never
overlap (reserved concurrency 1 besides)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalice.app import Cron

from chalicelib.core.lazy import lazy_import
from chalicelib.core.middleware import JobBlueprint
from chalicelib.core.settings import get_settings

blueprint = JobBlueprint(__name__)
service = lazy_import("chalicelib.screening.service")
#: The first run of a day, in minutes after local midnight.
FIRST_RUN_MINUTE = 30


@blueprint.schedule(Cron("0/15", "16-23", "*", "*", "?", "*"), name="screen_contacts")
def screen_contacts(event: Any) -> dict[str, Any]:
    """Screen the contacts that changed yesterday or whose recency drops today."""
    local = datetime.fromtimestamp(time.time(), ZoneInfo(get_settings().timezone))
    if local.hour * 60 + local.minute < FIRST_RUN_MINUTE:
        return {"skipped": "yesterday's changes are still arriving"}
    return dict(service.run_daily().model_dump())
