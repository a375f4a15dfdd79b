"""``/admin/reports``: list reports, generate one now, download links (presigned URLs);
``/admin/dashboard``: the console's figures at a glance."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from chalicelib.core.errors import BadRequest
from chalicelib.core.http import ApiBlueprint, int_param
from chalicelib.core.lazy import lazy_import

blueprint = ApiBlueprint(__name__)
service = lazy_import("chalicelib.reports.service")
models = lazy_import("chalicelib.reports.models")

KINDS = ("daily", "weekly", "monthly", "custom")


def _kind(value: str | None) -> Any:
    if value is not None and value not in KINDS:
        raise BadRequest(f"kind must be one of {', '.join(KINDS)}")
    return value


@blueprint.route(
    "/admin/reports",
    methods=["GET"],
    role="viewer",
    response="chalicelib.reports.models:ReportList",
)
def list_reports() -> dict[str, Any]:
    """Generated reports, newest period first (``?kind=daily|weekly|monthly|custom``)."""
    query: Mapping[str, str] = blueprint.current_request.query_params or {}
    limit = int_param(blueprint, "limit", 30, 1, 200)
    return dict(service.list_reports(_kind(query.get("kind")), limit).model_dump(mode="json"))


@blueprint.route(
    "/admin/reports",
    methods=["POST"],
    role="operator",
    body="chalicelib.reports.models:ReportRequest",
    response="chalicelib.reports.models:ReportOut",
)
def generate_report() -> dict[str, Any]:
    """Generate a report now (XLSX, CSV per table, HTML) into the report bucket."""
    request = models.ReportRequest.model_validate(blueprint.current_request.json_body or {})
    return dict(service.generate(request).model_dump(mode="json"))


@blueprint.route(
    "/admin/reports/{kind}/{start}",
    methods=["GET"],
    role="viewer",
    response="chalicelib.reports.models:ReportOut",
)
def get_report(kind: str, start: str) -> dict[str, Any]:
    """One report's figures and its files, each with a download link valid 15 minutes."""
    try:
        day = date.fromisoformat(start)
    except ValueError as error:
        raise BadRequest("start must be a date (YYYY-MM-DD)") from error
    return dict(service.get_report(_kind(kind), day).model_dump(mode="json"))


@blueprint.route(
    "/admin/dashboard",
    methods=["GET"],
    role="viewer",
    query="chalicelib.reports.models:DashboardQuery",
    response="chalicelib.reports.models:Dashboard",
)
def dashboard() -> dict[str, Any]:
    """Today's or the last N days' figures, trend, top channels and live codes, SOP steps."""
    query = models.DashboardQuery.model_validate(dict(blueprint.current_request.query_params or {}))
    return dict(service.dashboard(query.days).model_dump(mode="json"))
