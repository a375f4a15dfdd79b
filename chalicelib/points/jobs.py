"""The points expiry job: unspent points of credits whose time has come expire. It runs
every five minutes, each run within its time, going on from where the last one stopped."""

from __future__ import annotations

from typing import Any

from chalice.app import Rate

from chalicelib.core.lazy import lazy_import
from chalicelib.core.middleware import JobBlueprint

blueprint = JobBlueprint(__name__)
service = lazy_import("chalicelib.points.service")
#: Seconds of the Lambda's time kept for answering after the budget is spent.
MARGIN_S = 3.0
DEFAULT_BUDGET_S = 25.0
EVERY_MINUTES = 5


def budget_of(event: Any) -> float:
    """What is left of the invocation's time, less a margin (25 s outside Lambda)."""
    context = getattr(event, "context", None)
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return DEFAULT_BUDGET_S
    return max(1.0, remaining() / 1000 - MARGIN_S)


@blueprint.schedule(Rate(EVERY_MINUTES, unit=Rate.MINUTES), name="expire_points")
def expire_points(event: Any) -> dict[str, Any]:
    """Expire due lots, oldest first, within the run's time; the next run resumes."""
    return dict(service.expire_due(budget_s=budget_of(event)).model_dump())
