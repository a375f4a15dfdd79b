"""Admin routes of the points ledger: balance and ledger, redemption, adjustment, tasks,
reconciliation, earning rules."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from chalicelib.core.http import ApiBlueprint, current_principal, int_param
from chalicelib.core.lazy import lazy_import

blueprint = ApiBlueprint(__name__)
service = lazy_import("chalicelib.points.service")
models = lazy_import("chalicelib.points.models")


def _body() -> Any:
    return blueprint.current_request.json_body or {}


@blueprint.route(
    "/admin/contacts/{external_userid}/points",
    methods=["GET"],
    role="staff",
    response="chalicelib.points.models:Account",
)
def get_points(external_userid: str) -> dict[str, Any]:
    """A contact's balance and ledger, newest entry first."""
    limit = int_param(blueprint, "limit", 100, 1, 500)
    return dict(service.account(unquote(external_userid), limit).model_dump(mode="json"))


@blueprint.route(
    "/admin/contacts/{external_userid}/points/redeem",
    methods=["POST"],
    role="operator",
    body="chalicelib.points.models:RedeemIn",
    response="chalicelib.points.models:LedgerEntry",
)
def redeem_points(external_userid: str) -> dict[str, Any]:
    """Spend points (never below zero); a repeated request_id changes nothing."""
    body = models.RedeemIn.model_validate(_body())
    subject, _ = current_principal(blueprint)
    entry = service.redeem(unquote(external_userid), body, subject)
    return dict(entry.model_dump(mode="json"))


@blueprint.route(
    "/admin/contacts/{external_userid}/points/adjust",
    methods=["POST"],
    role="operator",
    body="chalicelib.points.models:AdjustIn",
    response="chalicelib.points.models:LedgerEntry",
)
def adjust_points(external_userid: str) -> dict[str, Any]:
    """Add or remove points by hand, with a reason; the operator is recorded."""
    body = models.AdjustIn.model_validate(_body())
    subject, _ = current_principal(blueprint)
    entry = service.adjust(unquote(external_userid), body, subject)
    return dict(entry.model_dump(mode="json"))


@blueprint.route(
    "/admin/contacts/{external_userid}/points/tasks",
    methods=["POST"],
    role="operator",
    body="chalicelib.points.models:TaskIn",
    response="chalicelib.points.models:LedgerEntry",
)
def award_task_points(external_userid: str) -> dict[str, Any]:
    """Task points (joined a group, …) once per task and reference."""
    body = models.TaskIn.model_validate(_body())
    subject, _ = current_principal(blueprint)
    entry = service.award_task(unquote(external_userid), body, subject)
    return dict(entry.model_dump(mode="json"))


@blueprint.route(
    "/admin/contacts/{external_userid}/points/reconcile",
    methods=["GET"],
    role="viewer",
    response="chalicelib.points.models:Reconciliation",
)
def reconcile_points(external_userid: str) -> dict[str, Any]:
    """Prove the balance equals the sum of the ledger."""
    return dict(service.reconcile(unquote(external_userid)).model_dump(mode="json"))


@blueprint.route(
    "/admin/points/rules",
    methods=["GET"],
    role="viewer",
    response="chalicelib.points.models:EarningRules",
)
def get_earning_rules() -> dict[str, Any]:
    return dict(service.rules().model_dump(mode="json"))


@blueprint.route(
    "/admin/points/rules",
    methods=["PUT"],
    role="admin",
    body="chalicelib.points.models:EarningRules",
    response="chalicelib.points.models:EarningRules",
)
def put_earning_rules() -> dict[str, Any]:
    body = models.EarningRules.model_validate(_body())
    subject, _ = current_principal(blueprint)
    return dict(service.put_rules(body, subject).model_dump(mode="json"))
