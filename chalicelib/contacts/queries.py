"""What other contexts may read of contacts: plain functions returning plain values or
domain objects."""

from __future__ import annotations

from chalicelib.contacts import store
from chalicelib.contacts.models import Contact


def followers(external_userid: str) -> list[str]:
    """The userids of the members who follow the customer now (active relationships)."""
    return sorted(
        item.staff_userid or item.sk.removeprefix(store.REL)
        for item in store.relationships(external_userid)
        if item.status == store.ACTIVE
    )


def find_contact(external_userid: str) -> Contact | None:
    """The stored contact with every relationship (active and ended), or ``None``."""
    from chalicelib.contacts.service import find_contact as find

    return find(external_userid)
