"""What other contexts may read of contacts (plain functions returning plain values)."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.contacts import store
from chalicelib.contacts.errors import ContactNotFound
from chalicelib.contacts.models import Contact


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


def first_follower(external_userid: str) -> str | None:
    """The member who sends to the customer: the first of their active followers (by
    userid), or ``None`` when nobody follows them."""
    found = followers(external_userid)
    return found[0] if found else None


def tagged_customers(staff_userid: str, tag_ids: Iterable[str], limit: int) -> list[str]:
    """The member's customers (active relationships, newest add first, at most ``limit``
    read) carrying any of ``tag_ids`` on that relationship (the by_staff index)."""
    wanted = set(tag_ids)
    return [
        str(rel.external_userid)
        for rel in store.staff_relationships(staff_userid, limit)
        if rel.status == store.ACTIVE and wanted & set(rel.tag_ids or ())
    ]


def tagged_customers_page(
    staff_userid: str, tag_ids: Iterable[str], limit: int, cursor: str | None = None
) -> tuple[list[str], str | None]:
    """One page of :func:`tagged_customers`: of ``limit`` relationships read (newest add
    first), the active ones carrying any of ``tag_ids``, and the next page's cursor."""
    wanted = set(tag_ids)
    items, following = store.staff_relationships_page(staff_userid, limit, cursor)
    found = [
        str(rel.external_userid)
        for rel in items
        if rel.status == store.ACTIVE and wanted & set(rel.tag_ids or ())
    ]
    return found, following


def code_counters(day: str, code: str) -> dict[str, dict[str, int]]:
    """One local day's adds and deletions through live code ``code``, by channel."""
    from chalicelib.contacts.service import code_counters as counters

    return counters(day, code)
