"""The periodic reconcile: the safety net for group events WeCom lost or reordered."""

from __future__ import annotations

from typing import Any

from chalice.app import Rate

from chalicelib.core.lazy import lazy_import
from chalicelib.core.middleware import JobBlueprint

blueprint = JobBlueprint(__name__)
service = lazy_import("chalicelib.groups.service")


@blueprint.schedule(Rate(6, unit=Rate.HOURS), name="reconcile_groups")
def reconcile_groups(event: Any) -> dict[str, Any]:
    """Refresh groups page after page for up to ten minutes; the next run resumes from the
    stored cursor and the group after the last one done."""
    return dict(service.reconcile().model_dump())
