"""What other contexts may read of contacts (plain functions returning plain values)."""

from __future__ import annotations

from chalicelib.contacts import store
from chalicelib.contacts.errors import ContactNotFound
from chalicelib.contacts.models import Contact
from chalicelib.contacts.states import Credit as Credit


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


def find_contact(external_userid: str) -> Contact | None:
    """The stored contact with every relationship (active and ended), or ``None``."""
    from chalicelib.contacts.service import find_contact as find

    return find(external_userid)


def find_contact_at_once(external_userid: str) -> Contact | None:
    """:func:`find_contact` in one Query: the profile (``sk=profile``) and the relationships
    (``sk=rel#…``) sort next to each other, before the timeline (``sk=tl#…``). For readers
    of many contacts (the directory's refresh)."""
    from pynamodb.exceptions import PynamoDBException

    from chalicelib.contacts import store
    from chalicelib.contacts.service import contact_of
    from chalicelib.core.errors import DependencyUnavailable

    profile_model, rel_model = store.ProfileItem.bound(), store.RelationshipItem.bound()
    connection = profile_model._get_connection()
    try:
        answer = connection.query(
            store.contact_pk(external_userid),
            range_key_condition=profile_model.sk.between(store.PROFILE, store.REL + "\uffff"),
            consistent_read=True,
        )
    except PynamoDBException as error:
        raise DependencyUnavailable("the contacts table did not answer") from error
    profile = None
    relationships = []
    for raw in answer.get("Items", []):
        if raw["sk"]["S"] == store.PROFILE:
            profile = profile_model.from_raw_data(raw)
        elif raw["sk"]["S"].startswith(store.REL):
            relationships.append(rel_model.from_raw_data(raw))
    return None if profile is None else contact_of(profile, relationships)


def add_source(state: str, contact: Contact | None, userid: str, at: int) -> tuple[str, str]:
    """The channel and live code an add at ``at`` (with ``state``) is counted under: its
    own state's, or the stored relationship's when the event came without one."""
    from chalicelib.contacts.attribution import attribution

    rel = contact.relationship(userid) if contact else None
    if state or rel is None or rel.added_at != at:
        source = attribution(state)
        return source.channel, source.code
    return rel.channel, rel.code


def deletion_credits(external_userid: str) -> dict[str, dict[str, Credit]]:
    """Per staff userid, how each deletion of the relationship is credited now (deletion
    fact → channel, code and retention of the add before it): one Query."""
    from chalicelib.contacts.states import derive

    found: dict[str, dict[str, Credit]] = {}
    for item in store.relationships(external_userid):
        credits = derive(item.facts or {}).credits
        if credits:
            found[item.staff_userid or item.sk.removeprefix(store.REL)] = dict(credits)
    return found
