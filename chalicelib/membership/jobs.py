"""The tier review: the window rolls, so tiers can fall without any event. It runs every
five minutes; each run goes on with the sweep of every member above the base level where
the last one stopped, within the run's time, and a new sweep starts once a day (a run with
no sweep under way reads two items and ends)."""

from __future__ import annotations

from typing import Any

from chalice.app import Rate

from chalicelib.core.lazy import lazy_import
from chalicelib.core.middleware import JobBlueprint

blueprint = JobBlueprint(__name__)
service = lazy_import("chalicelib.membership.service")
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


@blueprint.schedule(Rate(EVERY_MINUTES, unit=Rate.MINUTES), name="review_tiers")
def review_tiers(event: Any) -> dict[str, Any]:
    return dict(service.review(budget_s=budget_of(event)).model_dump())
