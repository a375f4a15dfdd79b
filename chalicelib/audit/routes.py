"""``GET /admin/audit?from&to``: who changed what through the admin API, newest first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import
from chalicelib.core.paging import page_request

blueprint = ApiBlueprint(__name__)
service = lazy_import("chalicelib.audit.service")


@blueprint.route(
    "/admin/audit", methods=["GET"], role="admin", response="chalicelib.audit.models:AuditPage"
)
def list_audit() -> dict[str, Any]:
    """Admin writes filed on local days from..to (YYYY-MM-DD, default today), newest first."""
    query: Mapping[str, str] = blueprint.current_request.query_params or {}
    page_of = page_request(blueprint, 200, 1000)
    page = service.entries(query.get("from"), query.get("to"), page_of.limit, page_of.cursor)
    return dict(page.model_dump(mode="json"))
