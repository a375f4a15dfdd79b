"""``/admin/screening``: a contact's screening, an on-demand run, the configuration."""

from __future__ import annotations

from typing import Any

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import

blueprint = ApiBlueprint(__name__)
service = lazy_import("chalicelib.screening.service")
models = lazy_import("chalicelib.screening.models")


@blueprint.route(
    "/admin/screening/contacts/{external_userid}",
    methods=["GET"],
    role="staff",
    response="chalicelib.screening.models:ContactScreening",
)
def get_contact_screening(external_userid: str) -> dict[str, Any]:
    """A contact's RFM and community inputs, score, segment and history."""
    return dict(service.contact_screening(external_userid).model_dump(mode="json"))


@blueprint.route(
    "/admin/screening/run",
    methods=["POST"],
    role="operator",
    body="chalicelib.screening.models:RunRequest",
    response="chalicelib.screening.models:ScreeningRun",
)
def run_screening() -> dict[str, Any]:
    """Run (or go on with) the day's screening now; ``complete`` tells whether it is done."""
    body = models.RunRequest.model_validate(blueprint.current_request.json_body or {})
    run = service.run_daily(body.day, budget_s=service.API_BUDGET_S)
    return dict(run.model_dump(mode="json"))


@blueprint.route(
    "/admin/screening/config",
    methods=["GET"],
    role="viewer",
    response="chalicelib.screening.models:ScreeningConfig",
)
def get_screening_config() -> dict[str, Any]:
    """Weights, thresholds, the high-value score and the WeCom tags of each segment."""
    return dict(service.get_config().model_dump(mode="json"))


@blueprint.route(
    "/admin/screening/config",
    methods=["PUT"],
    role="admin",
    body="chalicelib.screening.models:ScreeningConfig",
    response="chalicelib.screening.models:ScreeningConfig",
)
def put_screening_config() -> dict[str, Any]:
    """Replace the screening configuration."""
    config = models.ScreeningConfig.model_validate(blueprint.current_request.json_body or {})
    return dict(service.put_config(config).model_dump(mode="json"))
