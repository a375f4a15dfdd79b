"""Admin routes of membership: tier levels and a contact's tier with its history."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from chalicelib.core.errors import NotFound
from chalicelib.core.http import ApiBlueprint, current_principal
from chalicelib.core.lazy import lazy_import

blueprint = ApiBlueprint(__name__)
service = lazy_import("chalicelib.membership.service")
models = lazy_import("chalicelib.membership.models")


@blueprint.route(
    "/admin/membership/tiers",
    methods=["GET"],
    role="viewer",
    response="chalicelib.membership.models:TierConfig",
)
def get_tier_levels() -> dict[str, Any]:
    found = service.config()
    if found is None:
        raise NotFound("no tier levels are configured", code="no_tiers")
    return dict(found.model_dump(mode="json"))


@blueprint.route(
    "/admin/membership/tiers",
    methods=["PUT"],
    role="admin",
    body="chalicelib.membership.models:TierConfig",
    response="chalicelib.membership.models:TierConfig",
)
def put_tier_levels() -> dict[str, Any]:
    body = models.TierConfig.model_validate(blueprint.current_request.json_body or {})
    subject, _ = current_principal(blueprint)
    return dict(service.put_config(body, subject).model_dump(mode="json"))


@blueprint.route(
    "/admin/contacts/{external_userid}/tier",
    methods=["GET"],
    role="staff",
    response="chalicelib.membership.models:Membership",
)
def get_contact_tier(external_userid: str) -> dict[str, Any]:
    """The contact's tier, what it has in the window, and its upgrade/downgrade history."""
    return dict(service.membership(unquote(external_userid)).model_dump(mode="json"))
