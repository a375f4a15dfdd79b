"""The daily reconcile: a member WeCom no longer has active loses access here by itself,
even if a ``change_contact`` callback was missed."""

from __future__ import annotations

from typing import Any

from chalice.app import Rate

from chalicelib.core.lazy import lazy_import
from chalicelib.core.middleware import JobBlueprint

blueprint = JobBlueprint(__name__)
service = lazy_import("chalicelib.identity.service")


@blueprint.schedule(Rate(1, unit=Rate.DAYS), name="reconcile_people")
def reconcile_people(event: Any) -> dict[str, Any]:
    return dict(service.reconcile())
