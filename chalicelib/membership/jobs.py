"""The tier review: the window rolls, so tiers can fall without any event. It runs every
five minutes, up to 290 s, and re-evaluates the members whose review time has come (when
what their tier stands on leaves the window); a run out of time leaves the rest to the
next, and a run with nobody due reads one page per level and ends."""

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
