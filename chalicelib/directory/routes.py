"""``/admin/directory`` and ``/admin/audiences``: viewers search and count, operators save
audiences and export. The requester's data scope is added to every request here."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.core.http import ApiBlueprint, current_principal, principal_of, request_json
from chalicelib.core.lazy import lazy_import

blueprint = ApiBlueprint(__name__)
service = lazy_import("chalicelib.directory.service")
models = lazy_import("chalicelib.directory.models")
scopes = lazy_import("chalicelib.directory.scope")


def _scope() -> Any:
    return scopes.scope_of(principal_of(blueprint))


def _json() -> dict[str, Any]:
    body = request_json(blueprint)
    return body if isinstance(body, dict) else {"": body}


@blueprint.route(
    "/admin/directory/search",
    methods=["POST"],
    role="viewer",
    scope="filtered",
    audit_read=True,
    body="chalicelib.directory.models:SearchIn",
    response="chalicelib.directory.models:SearchOut",
)
def search_directory() -> dict[str, Any]:
    """One page of the customers matching a filter, with the total and ``as_of``."""
    body = models.SearchIn.model_validate(_json())
    return dict(service.search(body, _scope()).model_dump(mode="json"))


@blueprint.route(
    "/admin/directory/count",
    methods=["POST"],
    role="viewer",
    scope="filtered",
    body="chalicelib.directory.models:CountIn",
    response="chalicelib.directory.models:CountOut",
)
def count_directory() -> dict[str, Any]:
    """How many customers match a filter, by staff member and by channel."""
    body = models.CountIn.model_validate(_json())
    return dict(service.count(body, _scope()).model_dump(mode="json"))


@blueprint.route(
    "/admin/audiences",
    methods=["GET"],
    role="viewer",
    response="chalicelib.directory.models:AudienceList",
)
def list_audiences() -> dict[str, Any]:
    """Saved audiences."""
    return {"items": [a.model_dump(mode="json") for a in service.list_audiences()]}


@blueprint.route(
    "/admin/audiences/{audience_id}",
    methods=["GET"],
    role="viewer",
    response="chalicelib.directory.models:Audience",
)
def get_audience(audience_id: str) -> dict[str, Any]:
    """A saved audience."""
    return dict(service.get_audience(audience_id).model_dump(mode="json"))


@blueprint.route(
    "/admin/audiences/{audience_id}",
    methods=["PUT"],
    role="operator",
    body="chalicelib.directory.models:AudienceIn",
    response="chalicelib.directory.models:Audience",
)
def put_audience(audience_id: str) -> dict[str, Any]:
    """Save a named filter (broadcasts and SOP date plans may target it)."""
    body = models.AudienceIn.model_validate(_json())
    subject, _ = current_principal(blueprint)
    return dict(service.put_audience(audience_id, body, _scope(), subject).model_dump(mode="json"))


@blueprint.route("/admin/audiences/{audience_id}", methods=["DELETE"], role="operator")
def delete_audience(audience_id: str) -> Response:
    """Delete a saved audience."""
    service.delete_audience(audience_id)
    return Response(body="", status_code=204)


@blueprint.route(
    "/admin/directory/exports",
    methods=["POST"],
    role="operator",
    scope="filtered",
    body="chalicelib.directory.models:ExportIn",
    response="chalicelib.directory.models:ExportStarted",
)
def start_export() -> Response:
    """Export a filter's customers (CSV or XLSX) as a job; audited as a bulk read."""
    body = models.ExportIn.model_validate(_json())
    subject, _ = current_principal(blueprint)
    started = service.start_export(body, _scope(), subject)
    return Response(body=started.model_dump(mode="json"), status_code=202)


@blueprint.route(
    "/admin/directory/exports/{export_id}",
    methods=["GET"],
    role="operator",
    scope="filtered",
    response="chalicelib.directory.models:ExportState",
)
def get_export(export_id: str) -> dict[str, Any]:
    """An export's progress, and a link valid for a few minutes once it is done."""
    subject, _ = current_principal(blueprint)
    return dict(service.export_state(export_id, subject).model_dump(mode="json"))
