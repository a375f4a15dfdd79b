"""Admin reads of customer groups: the list, one group with its members, a customer's groups."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from chalicelib.core.http import ApiBlueprint, int_param
from chalicelib.core.lazy import lazy_import

blueprint = ApiBlueprint(__name__)
service = lazy_import("chalicelib.groups.service")


@blueprint.route(
    "/admin/groups", methods=["GET"], role="viewer", response="chalicelib.groups.models:GroupPage"
)
def list_groups() -> dict[str, Any]:
    query: Mapping[str, str] = blueprint.current_request.query_params or {}
    page = service.list_groups(int_param(blueprint, "limit", 50, 1, 200), query.get("cursor"))
    return dict(page.model_dump())


@blueprint.route(
    "/admin/groups/{chat_id}",
    methods=["GET"],
    role="viewer",
    audit_read=True,
    response="chalicelib.groups.models:GroupDetail",
)
def get_group(chat_id: str) -> dict[str, Any]:
    return dict(service.get_group(unquote(chat_id)).model_dump())


@blueprint.route(
    "/admin/contacts/{external_userid}/groups",
    methods=["GET"],
    role="staff",
    response="chalicelib.groups.models:MemberOf[]",
)
def contact_groups(external_userid: str) -> dict[str, Any]:
    groups = service.contact_groups(
        unquote(external_userid), int_param(blueprint, "limit", 100, 1, 500)
    )
    return {"items": [group.model_dump() for group in groups]}
