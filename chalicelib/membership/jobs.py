"""The daily tier review: the window rolls, so tiers can fall without any event."""

from __future__ import annotations

from typing import Any

from chalice.app import Rate

from chalicelib.core.lazy import lazy_import
from chalicelib.core.middleware import JobBlueprint

blueprint = JobBlueprint(__name__)
service = lazy_import("chalicelib.membership.service")


@blueprint.schedule(Rate(1, unit=Rate.DAYS), name="review_tiers")
def review_tiers(event: Any) -> dict[str, Any]:
    return dict(service.review().model_dump())
