"""``/admin/screening``: a contact's screening, an on-demand run, the configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import

if TYPE_CHECKING:
    from chalicelib.contacts import queries as contacts
    from chalicelib.screening import service
    from chalicelib.screening.models import (
        ContactScreening,
        RunRequest,
        ScreeningConfig,
        ScreeningRun,
    )
else:
    contacts = lazy_import("chalicelib.contacts.queries")
    service = lazy_import("chalicelib.screening.service")

blueprint = ApiBlueprint(__name__, models="chalicelib.screening.models")
CONFIG = "/admin/screening/config"


@blueprint.get("/admin/screening/contacts/{external_userid}", "staff", response="ContactScreening")
def get_contact_screening(external_userid: str) -> ContactScreening:
    """A contact's RFM and community inputs, score, segment and history."""
    return service.contact_screening(contacts.require_contact(external_userid))


@blueprint.post("/admin/screening/run", "operator", body="RunRequest", response="ScreeningRun")
def run_screening(body: RunRequest) -> ScreeningRun:
    """Run (or go on with) the day's screening now; ``complete`` tells whether it is done."""
    return service.run_daily(body.day, budget_s=service.API_BUDGET_S)


@blueprint.get(CONFIG, "viewer", response="ScreeningConfig")
def get_screening_config() -> ScreeningConfig:
    """Weights, thresholds, the high-value score and the WeCom tags of each segment."""
    return service.get_config()


@blueprint.put(CONFIG, "admin", body="ScreeningConfig", response="ScreeningConfig")
def put_screening_config(body: ScreeningConfig) -> ScreeningConfig:
    """Replace the screening configuration."""
    return service.put_config(body)
