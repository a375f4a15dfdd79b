"""Admin reads of customer groups: the list, one group with its members, a customer's groups."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from chalicelib.core.http import ApiBlueprint, int_param
from chalicelib.core.lazy import lazy_import
from chalicelib.core.paging import page_request

blueprint = ApiBlueprint(__name__)
contacts = lazy_import("chalicelib.contacts.queries")
service = lazy_import("chalicelib.groups.service")
models = lazy_import("chalicelib.groups.models")


@blueprint.route(
    "/admin/groups",
    methods=["GET"],
    role="viewer",
    query="chalicelib.groups.models:GroupListQuery",
    response="chalicelib.groups.models:GroupPage",
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
    "/admin/groups/{chat_id}/stats",
    methods=["GET"],
    role="viewer",
    query="chalicelib.groups.models:GroupStatsQuery",
    response="chalicelib.groups.models:GroupStats",
)
def group_stats(chat_id: str) -> dict[str, Any]:
    """Joins and leaves per local day (``?days=1..90``, default 30), oldest first."""
    query = models.GroupStatsQuery.model_validate(
        dict(blueprint.current_request.query_params or {})
    )
    return dict(service.group_stats(unquote(chat_id), query.days).model_dump())


@blueprint.route(
    "/admin/contacts/{external_userid}/groups",
    methods=["GET"],
    role="staff",
    response="chalicelib.groups.models:MemberOf[]",
)
def contact_groups(external_userid: str) -> dict[str, Any]:
    page = page_request(blueprint, 100, 500)
    contact = contacts.require_contact(unquote(external_userid))
    groups, following = service.contact_groups_page(contact, page.limit, page.cursor)
    return {"items": [group.model_dump() for group in groups], "next_cursor": following}
