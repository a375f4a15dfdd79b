"""Admin views of customers: a profile with its relationships, a timeline, a staff list."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from chalicelib.core.http import ApiBlueprint, principal_of, request_json
from chalicelib.core.lazy import lazy_import
from chalicelib.core.paging import page_request

blueprint = ApiBlueprint(__name__)
contacts = lazy_import("chalicelib.contacts.queries")
service = lazy_import("chalicelib.contacts.service")
models = lazy_import("chalicelib.contacts.models")


@blueprint.route(
    "/admin/contacts/{external_userid}",
    methods=["GET"],
    role="staff",
    response="chalicelib.contacts.models:Contact",
)
def get_contact(external_userid: str) -> dict[str, Any]:
    contact = service.get_contact(unquote(external_userid))
    return dict(contact.model_dump(mode="json"))


@blueprint.route(
    "/admin/contacts/{external_userid}/tags",
    methods=["POST"],
    role="operator",
    body="chalicelib.contacts.models:ContactTagsIn",
    response="chalicelib.contacts.models:Contact",
)
def edit_contact_tags(external_userid: str) -> dict[str, Any]:
    """Add and remove corporate tags on the customer (in WeCom, then here)."""
    body = models.ContactTagsIn.model_validate(request_json(blueprint) or {})
    contact = service.edit_tags(unquote(external_userid), body, principal_of(blueprint).userid)
    return dict(contact.model_dump(mode="json"))


@blueprint.route(
    "/admin/contacts/{external_userid}/timeline",
    methods=["GET"],
    role="staff",
    response="chalicelib.contacts.models:TimelineEntry[]",
)
def get_timeline(external_userid: str) -> dict[str, Any]:
    page = page_request(blueprint)
    contact = contacts.require_contact(unquote(external_userid))
    entries, following = service.timeline_page(contact, page.limit, page.cursor)
    return {"items": [e.model_dump(mode="json") for e in entries], "next_cursor": following}


@blueprint.route(
    "/admin/staff/{userid}/contacts",
    methods=["GET"],
    role="staff",
    scope="staff",
    audit_read=True,
    response="chalicelib.contacts.models:StaffContact[]",
)
def list_staff_contacts(userid: str) -> dict[str, Any]:
    page = page_request(blueprint)
    rows, following = service.staff_contacts_page(unquote(userid), page.limit, page.cursor)
    return {"items": [row.model_dump(mode="json") for row in rows], "next_cursor": following}
