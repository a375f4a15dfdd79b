"""``/admin/sop/plans``: SOP plans (operators write, viewers read) and their funnel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import

if TYPE_CHECKING:
    from chalicelib.identity.models import Principal
    from chalicelib.sop import service
    from chalicelib.sop.models import Funnel, Plan, PlanIn
else:
    service = lazy_import("chalicelib.sop.service")

blueprint = ApiBlueprint(__name__, models="chalicelib.sop.models")
PLAN = "/admin/sop/plans/{plan_id}"


@blueprint.get("/admin/sop/plans", "viewer", response="Plan[]", listed="id")
def list_plans() -> list[Plan]:
    return service.list_plans()


@blueprint.put(PLAN, "operator", body="PlanIn", response="Plan")
def put_plan(plan_id: str, body: PlanIn, principal: Principal) -> Plan:
    return service.put_plan(service.checked_id(plan_id), body, principal.userid)


@blueprint.get(PLAN, "viewer", response="Plan")
def get_plan(plan_id: str) -> Plan:
    return service.get_plan(plan_id)


@blueprint.delete(PLAN, "operator")
def delete_plan(plan_id: str) -> None:
    service.delete_plan(plan_id)


@blueprint.get(f"{PLAN}/funnel", "viewer", response="Funnel")
def plan_funnel(plan_id: str) -> Funnel:
    return service.plan_funnel(plan_id)
