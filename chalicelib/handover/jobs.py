"""Hourly: ask WeCom how open transfers ended (they settle within about a day)."""

from __future__ import annotations

from typing import Any

from chalice.app import Rate

from chalicelib.core.lazy import lazy_import
from chalicelib.core.middleware import JobBlueprint

blueprint = JobBlueprint(__name__)
service = lazy_import("chalicelib.handover.service")


@blueprint.schedule(Rate(1, unit=Rate.HOURS), name="refresh_transfers")
def refresh_transfers(event: Any) -> dict[str, Any]:
    return dict(service.refresh().model_dump())
