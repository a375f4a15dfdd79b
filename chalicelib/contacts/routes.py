"""Admin views of customers: a profile with its relationships, a timeline, a staff list."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from chalicelib.core.http import ApiBlueprint, current_principal, int_param
from chalicelib.core.lazy import lazy_import

blueprint = ApiBlueprint(__name__)
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
    body = models.ContactTagsIn.model_validate(blueprint.current_request.json_body or {})
    subject, _ = current_principal(blueprint)
    contact = service.edit_tags(unquote(external_userid), body, subject)
    return dict(contact.model_dump(mode="json"))


@blueprint.route(
    "/admin/contacts/{external_userid}/timeline",
    methods=["GET"],
    role="staff",
    response="chalicelib.contacts.models:TimelineEntry[]",
)
def get_timeline(external_userid: str) -> dict[str, Any]:
    limit = int_param(blueprint, "limit", 50, 1, 200)
    entries = service.get_timeline(unquote(external_userid), limit)
    return {"items": [entry.model_dump(mode="json") for entry in entries]}


@blueprint.route(
    "/admin/staff/{userid}/contacts",
    methods=["GET"],
    role="staff",
    scope="staff",
    audit_read=True,
    response="chalicelib.contacts.models:StaffContact[]",
)
def list_staff_contacts(userid: str) -> dict[str, Any]:
    limit = int_param(blueprint, "limit", 50, 1, 200)
    rows = service.staff_contacts(unquote(userid), limit)
    return {"items": [row.model_dump(mode="json") for row in rows]}
