"""``/admin/reports``: list reports, generate one now, download links (presigned URLs);
``/admin/dashboard``: the console's figures at a glance."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from chalicelib.core.errors import BadRequest
from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import

if TYPE_CHECKING:
    from chalicelib.core.paging import PageRequest
    from chalicelib.reports import service
    from chalicelib.reports.models import (
        Dashboard,
        DashboardQuery,
        ReportList,
        ReportOut,
        ReportRequest,
    )
else:
    service = lazy_import("chalicelib.reports.service")

blueprint = ApiBlueprint(__name__, models="chalicelib.reports.models")

KINDS = ("daily", "weekly", "monthly", "custom")


def _kind(value: str | None) -> Any:
    if value is not None and value not in KINDS:
        raise BadRequest(f"kind must be one of {', '.join(KINDS)}")
    return value


@blueprint.get(
    "/admin/reports", "viewer", query="ReportListQuery", response="ReportList", page=(30, 200)
)
def list_reports(page: PageRequest) -> ReportList:
    """Generated reports, newest period first (``?kind=daily|weekly|monthly|custom``)."""
    return service.list_reports(_kind(blueprint.param("kind")), page.limit, page.cursor)


@blueprint.post("/admin/reports", "operator", body="ReportRequest", response="ReportOut")
def generate_report(body: ReportRequest) -> ReportOut:
    """Generate a report now (XLSX, CSV per table, HTML) into the report bucket."""
    return service.generate(body)


@blueprint.get("/admin/reports/{kind}/{start}", "viewer", response="ReportOut")
def get_report(kind: str, start: str) -> ReportOut:
    """One report's figures and its files, each with a download link valid 15 minutes."""
    try:
        day = date.fromisoformat(start)
    except ValueError as error:
        raise BadRequest("start must be a date (YYYY-MM-DD)") from error
    return service.get_report(_kind(kind), day)


@blueprint.get("/admin/dashboard", "viewer", query="DashboardQuery", response="Dashboard")
def dashboard(query: DashboardQuery) -> Dashboard:
    """Today's or the last N days' figures, trend, top channels and live codes, SOP steps."""
    return service.dashboard(query.days)
