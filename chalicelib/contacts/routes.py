"""Admin views of customers: a profile with its relationships, a timeline, a staff list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import
from chalicelib.core.paging import Page

if TYPE_CHECKING:
    from chalicelib.contacts import queries as contacts
    from chalicelib.contacts import service
    from chalicelib.contacts.models import Contact, ContactTagsIn
    from chalicelib.core.paging import PageRequest
    from chalicelib.identity.models import Principal
else:
    contacts = lazy_import("chalicelib.contacts.queries")
    service = lazy_import("chalicelib.contacts.service")

blueprint = ApiBlueprint(__name__, models="chalicelib.contacts.models")
ONE = "/admin/contacts/{external_userid}"


@blueprint.get(ONE, "staff", response="Contact")
def get_contact(external_userid: str) -> Contact:
    return service.get_contact(external_userid)


@blueprint.post(f"{ONE}/tags", "operator", body="ContactTagsIn", response="Contact")
def edit_contact_tags(external_userid: str, body: ContactTagsIn, principal: Principal) -> Contact:
    """Add and remove corporate tags on the customer (in WeCom, then here)."""
    return service.edit_tags(external_userid, body, principal.userid)


@blueprint.get(f"{ONE}/timeline", "staff", response="TimelineEntry[]")
def get_timeline(external_userid: str, page: PageRequest) -> Page:
    contact = contacts.require_contact(external_userid)
    return Page(*service.timeline_page(contact, page.limit, page.cursor))


@blueprint.get(
    "/admin/staff/{userid}/contacts",
    "staff",
    scope="staff",
    audit_read=True,
    response="StaffContact[]",
)
def list_staff_contacts(userid: str, page: PageRequest) -> Page:
    return Page(*service.staff_contacts_page(userid, page.limit, page.cursor))
