"""What other contexts may read of contacts: plain functions returning domain objects
(:class:`~chalicelib.contacts.models.Contact`, :class:`Relationship`) or plain values.

A context that hears ``ContactAdded`` / ``ContactEdited`` / ``ContactDeleted`` has the
stored contact in the signal and need not read it again.
"""

from __future__ import annotations

from chalicelib.contacts import store
from chalicelib.contacts.errors import ContactNotFound
from chalicelib.contacts.models import Contact, Relationship


def followers(external_userid: str) -> list[str]:
    """The userids of the members who follow the customer now (active relationships)."""
    contact = find_contact(external_userid)
    if contact is None:
        return []
    return sorted(r.staff_userid for r in contact.relationships if r.status == "active")


def contact_exists(external_userid: str) -> bool:
    """Whether the product knows the customer (one consistent GetItem)."""
    return store.get_profile(external_userid) is not None


def require_contact(external_userid: str) -> str:
    """``external_userid`` when the customer is known, else a 404 ``contact_not_found``:
    the routes about one customer answer that rather than an empty 200."""
    if not contact_exists(external_userid):
        raise ContactNotFound(f"no contact {external_userid}")
    return external_userid


def find_contact(external_userid: str) -> Contact | None:
    """The stored contact with every relationship (active and ended), or ``None``: one
    consistent Query (the profile and the relationships sort next to each other)."""
    from chalicelib.contacts.convert import contact_of

    profile, relationships = store.read_contact(external_userid)
    return None if profile is None else contact_of(profile, relationships)


def find_contact_at_once(external_userid: str) -> Contact | None:
    """:func:`find_contact` (kept for the directory's refresh, which reads many)."""
    return find_contact(external_userid)


def by_unionid(unionid: str) -> list[str]:
    """The external_userids of the contacts with this WeChat unionid (the by_unionid
    index), sorted."""
    return sorted(
        str(item.pk).removeprefix("contact#")
        for item in store.ProfileItem.by_unionid.query(unionid)
        if item.sk == store.PROFILE
    )


def by_phone(raw_phone: str) -> list[str]:
    """The external_userids whose remark phones include ``raw_phone`` (any spelling)."""
    from chalicelib.contacts.phones import phone_hash

    digest = phone_hash(raw_phone)
    return [] if digest is None else by_phone_hash(digest)


def by_phone_hash(digest: str) -> list[str]:
    """The external_userids whose remark phones hash to ``digest``."""
    return store.contacts_by_phone_hash(digest)


def sender_of(external_userid: str) -> str | None:
    """The first member who follows the customer now (who sends to them), or ``None``."""
    found = followers(external_userid)
    return found[0] if found else None


def name_of(external_userid: str) -> str:
    """The customer's WeChat name ("" when unknown)."""
    profile = store.get_profile(external_userid)
    return str(profile.name) if profile is not None else ""


def staff_relationships(userid: str, limit: int) -> list[tuple[str, Relationship]]:
    """A member's relationships, newest add first, ended ones included (the by_staff
    index, never a scan): ``(external_userid, relationship)``."""
    from chalicelib.contacts.convert import relationship_of

    return [
        (str(item.external_userid), relationship_of(item))
        for item in store.staff_relationships(userid, limit)
    ]
