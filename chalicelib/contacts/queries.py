"""What other contexts may read of the contacts: plain functions, no store objects."""

from __future__ import annotations

from chalicelib.contacts import store
from chalicelib.contacts.errors import ContactNotFound


def contact_exists(external_userid: str) -> bool:
    """Whether the product knows the customer (one consistent GetItem)."""
    return store.get_profile(external_userid) is not None


def require_contact(external_userid: str) -> str:
    """``external_userid`` when the customer is known, else a 404 ``contact_not_found``:
    the routes about one customer answer that rather than an empty 200."""
    if not contact_exists(external_userid):
        raise ContactNotFound(f"no contact {external_userid}")
    return external_userid
