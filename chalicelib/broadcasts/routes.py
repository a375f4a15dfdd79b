"""``/admin/broadcasts``: one-off mass messages (operators create, viewers read)."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.core.http import ApiBlueprint, current_principal, request_json
from chalicelib.core.lazy import lazy_import
from chalicelib.core.paging import listed

blueprint = ApiBlueprint(__name__)
service = lazy_import("chalicelib.broadcasts.service")
models = lazy_import("chalicelib.broadcasts.models")


@blueprint.route(
    "/admin/broadcasts",
    methods=["GET"],
    role="viewer",
    response="chalicelib.broadcasts.models:BroadcastReport[]",
)
def list_broadcasts() -> dict[str, Any]:
    return listed(blueprint, service.list_broadcasts(), "id")


@blueprint.route(
    "/admin/broadcasts/{broadcast_id}",
    methods=["PUT"],
    role="operator",
    body="chalicelib.broadcasts.models:BroadcastIn",
    response="chalicelib.broadcasts.models:Broadcast",
)
def create_broadcast(broadcast_id: str) -> Response:
    service.checked_id(broadcast_id)
    body = models.BroadcastIn.model_validate(request_json(blueprint) or {})
    subject, _ = current_principal(blueprint)
    created = service.create(broadcast_id, body, subject)
    return Response(body=created.model_dump(mode="json"), status_code=201)


@blueprint.route(
    "/admin/broadcasts/{broadcast_id}",
    methods=["GET"],
    role="viewer",
    response="chalicelib.broadcasts.models:BroadcastReport",
)
def get_broadcast(broadcast_id: str) -> dict[str, Any]:
    return dict(service.get(broadcast_id).model_dump(mode="json"))


@blueprint.route("/admin/broadcasts/{broadcast_id}", methods=["DELETE"], role="operator")
def cancel_broadcast(broadcast_id: str) -> Response:
    service.cancel(broadcast_id)
    return Response(body="", status_code=204)
