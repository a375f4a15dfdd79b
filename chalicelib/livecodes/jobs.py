"""Printed live codes follow the staff's working hours: every five minutes each printed
code's eligible members are worked out again, and WeCom is called only for a code whose
members changed (a shift began or ended, local midnight reset the caps)."""

from __future__ import annotations

from typing import Any

from chalice.app import Rate

from chalicelib.core.lazy import lazy_import
from chalicelib.core.middleware import JobBlueprint

blueprint = JobBlueprint(__name__)
service = lazy_import("chalicelib.livecodes.service")


@blueprint.schedule(Rate(5, unit=Rate.MINUTES), name="refresh_printed_codes")
def refresh_printed_codes(event: Any) -> dict[str, Any]:
    return {"rewritten": service.refresh_printed_codes()}
