"""The points expiry job: unspent points of credits whose time has come expire. It runs
every five minutes, each run within its time, going on from where the last one stopped."""

from __future__ import annotations

from typing import Any

from chalice.app import Rate

from chalicelib.core.lazy import lazy_import
from chalicelib.core.middleware import JobBlueprint, time_budget_s

blueprint = JobBlueprint(__name__)
service = lazy_import("chalicelib.points.service")
EVERY_MINUTES = 5


@blueprint.schedule(Rate(EVERY_MINUTES, unit=Rate.MINUTES), name="expire_points")
def expire_points(event: Any) -> dict[str, Any]:
    """Expire due lots, oldest first, within the run's time; the next run resumes."""
    return dict(service.expire_due(budget_s=time_budget_s(event)).model_dump())
