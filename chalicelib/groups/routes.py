"""Admin reads of customer groups: the list, one group with its members, a customer's groups."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import
from chalicelib.core.paging import Page

if TYPE_CHECKING:
    from chalicelib.contacts import queries as contacts
    from chalicelib.core.paging import PageRequest
    from chalicelib.groups import service
    from chalicelib.groups.models import GroupDetail, GroupPage, GroupStats, GroupStatsQuery
else:
    contacts = lazy_import("chalicelib.contacts.queries")
    service = lazy_import("chalicelib.groups.service")

blueprint = ApiBlueprint(__name__, models="chalicelib.groups.models")


@blueprint.get("/admin/groups", "viewer", query="GroupListQuery", response="GroupPage")
def list_groups(page: PageRequest) -> GroupPage:
    return service.list_groups(page.limit, page.cursor)


@blueprint.get("/admin/groups/{chat_id}", "viewer", audit_read=True, response="GroupDetail")
def get_group(chat_id: str) -> GroupDetail:
    return service.get_group(chat_id)


@blueprint.get(
    "/admin/groups/{chat_id}/stats", "viewer", query="GroupStatsQuery", response="GroupStats"
)
def group_stats(chat_id: str, query: GroupStatsQuery) -> GroupStats:
    """Joins and leaves per local day (``?days=1..90``, default 30), oldest first."""
    return service.group_stats(chat_id, query.days)


@blueprint.get(
    "/admin/contacts/{external_userid}/groups", "staff", response="MemberOf[]", page=(100, 500)
)
def contact_groups(external_userid: str, page: PageRequest) -> Page:
    contact = contacts.require_contact(external_userid)
    return Page(*service.contact_groups_page(contact, page.limit, page.cursor))
