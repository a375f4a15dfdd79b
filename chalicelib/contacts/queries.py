"""What other contexts may read of contacts: plain functions returning domain objects
(:class:`~chalicelib.contacts.models.Contact`, :class:`Relationship`) or plain values.

A context that hears ``ContactAdded`` / ``ContactEdited`` / ``ContactDeleted`` has the
stored contact in the signal and need not read it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from chalicelib.contacts import store
from chalicelib.contacts.errors import ContactNotFound

if TYPE_CHECKING:
    from chalicelib.contacts.models import Contact, Relationship
    from chalicelib.contacts.states import Credit as Credit


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
    return store.ids_by_unionid(unionid)


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


#: Items a backfill page examines (profiles, relationships and timeline alike).
SCAN_PAGE = 1000


def contact_ids_page(
    cursor: str | None = None, limit: int = SCAN_PAGE
) -> tuple[list[str], str | None]:
    """One page of every stored contact's id and the cursor of the next (None after the
    last page). A Scan of the contacts table keeping profiles only: for one-off jobs that
    must visit every contact (the directory's backfill), never for a request. ``limit``
    items are examined per page, so a page may hold fewer ids, even none, before its end."""
    from typing import cast

    from chalicelib.core.paging import decode, encode

    ids, following = store.profile_ids_page(cast(Any, decode(cursor)), limit)
    return ids, encode(following)


#: Contacts named in one PartiQL statement (a partition-key ``IN``: one Query per key on
#: DynamoDB's side, one request on ours).
BATCH = 50


def find_contacts(external_userids: Sequence[str]) -> dict[str, Contact | None]:
    """:func:`find_contact_at_once` of many contacts, ``BATCH`` to a request: each request a
    PartiQL ``SELECT`` of the profiles and relationships of that many partitions (the same
    key range as the one Query, never the timeline). A contact the statement did not answer
    for is read with its own Query (a contact that is gone, or a store that answers ``IN``
    for one key only), so the answer is exactly :func:`find_contact_at_once`'s."""
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.contacts.convert import contact_of

    ids = list(dict.fromkeys(external_userids))
    chunks = [ids[n : n + BATCH] for n in range(0, len(ids), BATCH)]
    profiles: dict[str, Any] = {}
    relationships: dict[str, list[Any]] = {}
    with ThreadPoolExecutor(8) as pool:
        for found_profiles, found_relationships in pool.map(store.read_contacts_at_once, chunks):
            profiles.update(found_profiles)
            for contact_id, rels in found_relationships.items():
                relationships.setdefault(contact_id, []).extend(rels)
    found: dict[str, Contact | None] = {
        c: contact_of(profiles[c], relationships.get(c, [])) for c in ids if c in profiles
    }
    missing = [c for c in ids if c not in found]
    with ThreadPoolExecutor(8) as pool:
        found.update(zip(missing, pool.map(find_contact_at_once, missing), strict=True))
    return {c: found[c] for c in ids}


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
