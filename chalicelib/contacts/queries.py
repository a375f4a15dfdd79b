"""What other contexts may read of contacts: plain functions returning domain objects."""

from __future__ import annotations

from chalicelib.contacts.models import Contact


def find_contact(external_userid: str) -> Contact | None:
    """The stored contact with every relationship (active and ended), or ``None``."""
    from chalicelib.contacts.service import find_contact as find

    return find(external_userid)
