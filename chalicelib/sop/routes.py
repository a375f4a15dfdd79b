"""``/admin/sop/plans``: SOP plans (operators write, viewers read) and their funnel."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.core.http import ApiBlueprint, current_principal, request_json
from chalicelib.core.lazy import lazy_import
from chalicelib.core.paging import listed

blueprint = ApiBlueprint(__name__)
service = lazy_import("chalicelib.sop.service")
models = lazy_import("chalicelib.sop.models")


@blueprint.route(
    "/admin/sop/plans",
    methods=["GET"],
    role="viewer",
    response="chalicelib.sop.models:Plan[]",
)
def list_plans() -> dict[str, Any]:
    return listed(blueprint, service.list_plans(), "id")


@blueprint.route(
    "/admin/sop/plans/{plan_id}",
    methods=["PUT"],
    role="operator",
    body="chalicelib.sop.models:PlanIn",
    response="chalicelib.sop.models:Plan",
)
def put_plan(plan_id: str) -> dict[str, Any]:
    service.checked_id(plan_id)
    body = models.PlanIn.model_validate(request_json(blueprint) or {})
    subject, _ = current_principal(blueprint)
    return dict(service.put_plan(plan_id, body, subject).model_dump(mode="json"))


@blueprint.route(
    "/admin/sop/plans/{plan_id}",
    methods=["GET"],
    role="viewer",
    response="chalicelib.sop.models:Plan",
)
def get_plan(plan_id: str) -> dict[str, Any]:
    return dict(service.get_plan(plan_id).model_dump(mode="json"))


@blueprint.route("/admin/sop/plans/{plan_id}", methods=["DELETE"], role="operator")
def delete_plan(plan_id: str) -> Response:
    service.delete_plan(plan_id)
    return Response(body="", status_code=204)


@blueprint.route(
    "/admin/sop/plans/{plan_id}/funnel",
    methods=["GET"],
    role="viewer",
    response="chalicelib.sop.models:Funnel",
)
def plan_funnel(plan_id: str) -> dict[str, Any]:
    return dict(service.plan_funnel(plan_id).model_dump(mode="json"))
