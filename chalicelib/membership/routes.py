"""Admin routes of membership: tier levels and a contact's tier with its history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.errors import NotFound
from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import

if TYPE_CHECKING:
    from chalicelib.contacts import queries as contacts
    from chalicelib.identity.models import Principal
    from chalicelib.membership import service
    from chalicelib.membership.models import Membership, TierConfig
else:
    contacts = lazy_import("chalicelib.contacts.queries")
    service = lazy_import("chalicelib.membership.service")

blueprint = ApiBlueprint(__name__, models="chalicelib.membership.models")
TIERS = "/admin/membership/tiers"


@blueprint.get(TIERS, "viewer", response="TierConfig")
def get_tier_levels() -> TierConfig:
    found = service.config()
    if found is None:
        raise NotFound("no tier levels are configured", code="no_tiers")
    return found


@blueprint.put(TIERS, "admin", body="TierConfig", response="TierConfig")
def put_tier_levels(body: TierConfig, principal: Principal) -> TierConfig:
    return service.put_config(body, principal.userid)


@blueprint.get("/admin/contacts/{external_userid}/tier", "staff", response="Membership")
def get_contact_tier(external_userid: str) -> Membership:
    """The contact's tier, what it has in the window, and its upgrade/downgrade history."""
    return service.membership(contacts.require_contact(external_userid))
