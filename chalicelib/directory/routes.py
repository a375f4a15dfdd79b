"""``/admin/directory`` and ``/admin/audiences``: viewers search and count, operators save
audiences and export. The requester's data scope is added to every request here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import

if TYPE_CHECKING:
    from chalicelib.directory import scope as scopes
    from chalicelib.directory import service
    from chalicelib.directory.models import (
        Audience,
        AudienceIn,
        CountIn,
        CountOut,
        ExportIn,
        ExportStarted,
        ExportState,
        SearchIn,
        SearchOut,
    )
    from chalicelib.identity.models import Principal
else:
    service = lazy_import("chalicelib.directory.service")
    scopes = lazy_import("chalicelib.directory.scope")

blueprint = ApiBlueprint(__name__, models="chalicelib.directory.models")
AUDIENCE = "/admin/audiences/{audience_id}"


@blueprint.post(
    "/admin/directory/search",
    "viewer",
    scope="filtered",
    audit_read=True,
    body="SearchIn",
    response="SearchOut",
)
def search_directory(body: SearchIn, principal: Principal) -> SearchOut:
    """One page of the customers matching a filter, with the total and ``as_of``."""
    return service.search(body, scopes.scope_of(principal))


@blueprint.post(
    "/admin/directory/count", "viewer", scope="filtered", body="CountIn", response="CountOut"
)
def count_directory(body: CountIn, principal: Principal) -> CountOut:
    """How many customers match a filter, by staff member and by channel."""
    return service.count(body, scopes.scope_of(principal))


@blueprint.get("/admin/audiences", "viewer", response="AudienceList")
def list_audiences() -> list[Audience]:
    """Saved audiences."""
    return service.list_audiences()


@blueprint.get(AUDIENCE, "viewer", response="Audience")
def get_audience(audience_id: str) -> Audience:
    """A saved audience."""
    return service.get_audience(audience_id)


@blueprint.put(AUDIENCE, "operator", body="AudienceIn", response="Audience")
def put_audience(audience_id: str, body: AudienceIn, principal: Principal) -> Audience:
    """Save a named filter (broadcasts and SOP date plans may target it)."""
    return service.put_audience(audience_id, body, scopes.scope_of(principal), principal.userid)


@blueprint.delete(AUDIENCE, "operator")
def delete_audience(audience_id: str) -> None:
    """Delete a saved audience."""
    service.delete_audience(audience_id)


@blueprint.post(
    "/admin/directory/exports",
    "operator",
    scope="filtered",
    body="ExportIn",
    response="ExportStarted",
    status=202,
)
def start_export(body: ExportIn, principal: Principal) -> ExportStarted:
    """Export a filter's customers (CSV or XLSX) as a job; audited as a bulk read."""
    return service.start_export(body, scopes.scope_of(principal), principal.userid)


@blueprint.get(
    "/admin/directory/exports/{export_id}", "operator", scope="filtered", response="ExportState"
)
def get_export(export_id: str, principal: Principal) -> ExportState:
    """An export's progress, and a link valid for a few minutes once it is done."""
    return service.export_state(export_id, principal.userid)
