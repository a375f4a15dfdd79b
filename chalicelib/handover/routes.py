"""Admin routes of handover and the initial sync."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from chalicelib.core.http import ApiBlueprint, current_principal, int_param
from chalicelib.core.lazy import lazy_import

blueprint = ApiBlueprint(__name__)
service = lazy_import("chalicelib.handover.service")
models = lazy_import("chalicelib.handover.models")


def _body() -> dict[str, Any]:
    body = blueprint.current_request.json_body
    return body if isinstance(body, dict) else {}


@blueprint.route(
    "/admin/sync/contacts",
    methods=["POST"],
    role="admin",
    body="chalicelib.handover.models:SyncRequest",
    response="chalicelib.handover.models:SyncRun",
)
def sync_contacts() -> dict[str, Any]:
    request = models.SyncRequest.model_validate(_body())
    run = service.sync_contacts(request.staff, max_pages=request.max_pages, restart=request.restart)
    return dict(run.model_dump())


@blueprint.route(
    "/admin/handover/transfer",
    methods=["POST"],
    role="admin",
    body="chalicelib.handover.models:TransferRequest",
    response="chalicelib.handover.models:TransferOutcome",
)
def transfer_customers() -> dict[str, Any]:
    request = models.TransferRequest.model_validate(_body())
    subject, _ = current_principal(blueprint)
    return dict(service.transfer(request, requested_by=subject).model_dump())


@blueprint.route(
    "/admin/handover/refresh",
    methods=["POST"],
    role="admin",
    body="chalicelib.handover.models:RefreshRequest",
    response="chalicelib.handover.models:RefreshOutcome",
)
def refresh_results() -> dict[str, Any]:
    request = models.RefreshRequest.model_validate(_body())
    return dict(service.refresh(request.handover_userid).model_dump())


@blueprint.route(
    "/admin/handover/{handover_userid}",
    methods=["GET"],
    role="viewer",
    scope="staff",
    response="chalicelib.handover.models:Transfer[]",
)
def list_transfers(handover_userid: str) -> dict[str, Any]:
    items = service.list_transfers(
        unquote(handover_userid), int_param(blueprint, "limit", 100, 1, 1000)
    )
    return {"items": [item.model_dump() for item in items]}
