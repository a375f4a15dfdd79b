"""The points expiry job: unspent points of credits whose time has come expire."""

from __future__ import annotations

from typing import Any

from chalice.app import Rate

from chalicelib.core.lazy import lazy_import
from chalicelib.core.middleware import JobBlueprint

blueprint = JobBlueprint(__name__)
service = lazy_import("chalicelib.points.service")


@blueprint.schedule(Rate(1, unit=Rate.HOURS), name="expire_points")
def expire_points(event: Any) -> dict[str, Any]:
    """Expire due lots, oldest first, a bounded number per run."""
    return dict(service.expire_due().model_dump())
