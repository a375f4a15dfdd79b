"""The tier review: the window rolls, so tiers can fall without any event. It runs every
five minutes; each run goes on with the sweep of every member above the base level where
the last one stopped, within the run's time, and a new sweep starts once a day (a run with
no sweep under way reads two items and ends)."""

from __future__ import annotations

from typing import Any

from chalice.app import Rate

from chalicelib.core.lazy import lazy_import
from chalicelib.core.middleware import JobBlueprint, time_budget_s

blueprint = JobBlueprint(__name__)
service = lazy_import("chalicelib.membership.service")
EVERY_MINUTES = 5


@blueprint.schedule(Rate(EVERY_MINUTES, unit=Rate.MINUTES), name="review_tiers")
def review_tiers(event: Any) -> dict[str, Any]:
    return dict(service.review(budget_s=time_budget_s(event)).model_dump())
