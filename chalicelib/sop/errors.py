"""Errors of the SOP context."""

from chalicelib.core.errors import BadRequest, NotFound


class PlanNotFound(NotFound):
    code = "plan_not_found"


class InvalidPlanId(BadRequest):
    code = "invalid_plan_id"
