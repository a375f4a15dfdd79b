"""What other contexts may read of contacts (plain functions returning plain values)."""

from __future__ import annotations

from chalicelib.contacts import store
from chalicelib.contacts.errors import ContactNotFound


def followers(external_userid: str) -> list[str]:
    """The userids of the members who follow the customer now (active relationships)."""
    return sorted(
        item.staff_userid or item.sk.removeprefix(store.REL)
        for item in store.relationships(external_userid)
        if item.status == store.ACTIVE
    )


def contact_exists(external_userid: str) -> bool:
    """Whether the product knows the customer (one consistent GetItem)."""
    return store.get_profile(external_userid) is not None


def require_contact(external_userid: str) -> str:
    """``external_userid`` when the customer is known, else a 404 ``contact_not_found``:
    the routes about one customer answer that rather than an empty 200."""
    if not contact_exists(external_userid):
        raise ContactNotFound(f"no contact {external_userid}")
    return external_userid
