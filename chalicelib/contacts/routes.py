"""Admin views of customers: a profile with its relationships, a timeline, a staff list."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from chalicelib.core.http import ApiBlueprint, int_param
from chalicelib.core.lazy import lazy_import

blueprint = ApiBlueprint(__name__)
contacts = lazy_import("chalicelib.contacts.queries")
service = lazy_import("chalicelib.contacts.service")


@blueprint.route(
    "/admin/contacts/{external_userid}",
    methods=["GET"],
    role="viewer",
    response="chalicelib.contacts.models:Contact",
)
def get_contact(external_userid: str) -> dict[str, Any]:
    contact = service.get_contact(unquote(external_userid))
    return dict(contact.model_dump(mode="json"))


@blueprint.route(
    "/admin/contacts/{external_userid}/timeline",
    methods=["GET"],
    role="viewer",
    response="chalicelib.contacts.models:TimelineEntry[]",
)
def get_timeline(external_userid: str) -> dict[str, Any]:
    limit = int_param(blueprint, "limit", 50, 1, 200)
    entries = service.get_timeline(contacts.require_contact(unquote(external_userid)), limit)
    return {"items": [entry.model_dump(mode="json") for entry in entries]}


@blueprint.route(
    "/admin/staff/{userid}/contacts",
    methods=["GET"],
    role="viewer",
    response="chalicelib.contacts.models:StaffContact[]",
)
def list_staff_contacts(userid: str) -> dict[str, Any]:
    limit = int_param(blueprint, "limit", 50, 1, 200)
    rows = service.staff_contacts(unquote(userid), limit)
    return {"items": [row.model_dump(mode="json") for row in rows]}
