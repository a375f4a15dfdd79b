"""Use cases of the contacts context.

Everything here may run more than once for one WeCom event, and events arrive in any
order: each add, deletion and transfer is kept as a fact on its relationship and the
relationship's state is derived from the set (:mod:`chalicelib.contacts.states`); writes
are conditional on the version read. Timeline entries are keyed by event, counters move
through :func:`chalicelib.storage.once.apply_once` (a deletion counted under ``unknown``
moves to its add's channel once that add is known) and the churn alert is claimed once
before it is sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from chalicelib.contacts import store
from chalicelib.contacts.convert import contact_of, entry_of, relationship_of
from chalicelib.contacts.errors import ContactNotFound, NotFollowing
from chalicelib.contacts.models import (
    Contact,
    ContactTagsIn,
    EndedBy,
    Relationship,
    StaffContact,
    TimelineEntry,
)
from chalicelib.contacts.phones import phone_hash
from chalicelib.contacts.states import (
    ADD,
    DEL,
    UNKNOWN_CHANNEL,
    Credit,
    Fact,
    derive,
    merge,
    ordered,
)
from chalicelib.core.errors import BadRequest, DependencyUnavailable
from chalicelib.core.observability import logger
from chalicelib.messaging import app as app_messages
from chalicelib.storage.ops import Conflict
from chalicelib.wecom.client import get_client
from chalicelib.wecom.errors import (
    INVALID_EXTERNAL_USERID,
    NO_RELATIONSHIP,
    errcode_of,
    is_errcode,
)

#: Tries of an optimistic write before the event is left to its retry.
WRITE_ATTEMPTS = 5


# --- time ----------------------------------------------------------------------------------


def _as_datetime(at: int) -> datetime:
    return datetime.fromtimestamp(at, UTC)


# --- reading -------------------------------------------------------------------------------


def find_contact(external_userid: str) -> Contact | None:
    """The stored contact with its relationships, or ``None`` when unknown (one Query)."""
    profile, relationships = store.read_contact(external_userid)
    return None if profile is None else _contact(profile, relationships)


def get_contact(external_userid: str) -> Contact:
    contact = find_contact(external_userid)
    if contact is None:
        raise ContactNotFound(f"no contact {external_userid}")
    return contact


def get_timeline(external_userid: str, limit: int) -> list[TimelineEntry]:
    """The contact's timeline, newest first."""
    return [_entry(item) for item in store.timeline(external_userid, limit)]


def timeline_page(
    external_userid: str, limit: int, cursor: str | None
) -> tuple[list[TimelineEntry], str | None]:
    """A page of the contact's timeline, newest first, and the next page's cursor."""
    items, following = store.timeline_page(external_userid, limit, cursor)
    return [_entry(item) for item in items], following


def staff_contacts_page(
    userid: str, limit: int, cursor: str | None
) -> tuple[list[StaffContact], str | None]:
    """A page of a staff member's customers, newest add first (ended relationships
    included), and the next page's cursor: all 500 of a member's customers can be read."""
    items, following = store.staff_relationships_page(userid, limit, cursor)
    return [_staff_contact(item) for item in items], following


def _staff_contact(item: store.RelationshipItem) -> StaffContact:
    return StaffContact(
        external_userid=item.external_userid,
        added_at=_int(item.added_at),
        channel=item.channel,
        status=item.status,
        remark=item.remark,
    )


def staff_contacts(userid: str, limit: int) -> list[StaffContact]:
    """A staff member's customers, newest add first, ended relationships included."""
    return [
        StaffContact(
            external_userid=item.external_userid,
            added_at=_int(item.added_at),
            channel=item.channel,
            status=item.status,
            remark=item.remark,
        )
        for item in store.staff_relationships(userid, limit)
    ]


def contacts_by_phone(raw_phone: str) -> list[str]:
    """External user ids whose remark phones include ``raw_phone`` (any spelling)."""
    digest = phone_hash(raw_phone)
    return [] if digest is None else store.contacts_by_phone_hash(digest)


# --- writing from WeCom's answer -----------------------------------------------------------

#: What an add, an edit or a deletion puts on the timeline with the contact's own write:
#: given the contact as it will be stored, the entries of the same fact.
Notes = Callable[[Contact], Sequence[TimelineEntry]]
#: A timeline entry to write: its kind, time (epoch ms), detail and event key.
TimelineNote = tuple[str, int, Mapping[str, Any], str]


@dataclass
class _Change:
    """What one fact changes of one relationship: facts kept, WeCom's details applied."""

    facts: list[Fact] = field(default_factory=list)
    details: Callable[[store.RelationshipItem], None] | None = None


@dataclass(frozen=True)
class Stored:
    """A contact as written, and its relationship items as written (for the counters)."""

    contact: Contact
    items: dict[str, store.RelationshipItem]


def refresh_from_wecom(
    external_userid: str,
    state_hints: Mapping[str, str],
    facts: Mapping[str, Sequence[Fact]] | None = None,
    notes: Notes | None = None,
    cause: str = "",
) -> Contact | None:
    """Fetch the contact (``externalcontact/get``) and store its profile and relationships.

    ``state_hints`` maps a staff userid to the State of the event at hand, used when WeCom's
    answer carries none. ``None`` when WeCom says there is no relationship any more (the
    customer was deleted before this event was processed).
    """
    try:
        answer = get_client().get_external_contact(external_userid)
    except Exception as error:
        if is_errcode(error, NO_RELATIONSHIP, INVALID_EXTERNAL_USERID):
            logger.info(
                "contact no longer reachable",
                extra={"external_userid": external_userid, "errcode": errcode_of(error)},
            )
            return None
        raise
    return save_snapshot(external_userid, answer, state_hints, facts, notes, cause)


def upsert_from_wecom(
    external_contact: Mapping[str, Any],
    follow_users: Iterable[Mapping[str, Any]],
    event_key: str | None = None,
) -> Contact:
    """Store a contact from an answer that already carries it: ``batch/get_by_user`` (an
    initial sync, no event) gives ``follow_info`` with tag ids in ``tag_id``, where
    ``externalcontact/get`` gives ``follow_user`` with ``tags`` objects; both are accepted.
    Followers not named keep their stored relationship."""
    followers = []
    for follower in follow_users:
        entry = dict(follower)
        if "tags" not in entry and entry.get("tag_id"):
            entry["tags"] = [{"tag_id": tag_id} for tag_id in entry["tag_id"]]
        followers.append(entry)
    external_userid = str(external_contact.get("external_userid") or "")
    if not external_userid:
        raise BadRequest("the WeCom answer names no external_userid")
    answer = {"external_contact": dict(external_contact), "follow_user": followers}
    return save_snapshot(external_userid, answer, {}, cause=event_key or "")


def save_snapshot(
    external_userid: str,
    answer: Mapping[str, Any],
    state_hints: Mapping[str, str],
    facts: Mapping[str, Sequence[Fact]] | None = None,
    notes: Notes | None = None,
    cause: str = "",
) -> Contact:
    """Store the profile and each follower's details from an ``externalcontact/get``
    answer. A follower's ``createtime`` is an add fact like an event's; followers absent
    from the answer keep their item (only deletion facts end a relationship). ``facts``
    (per staff userid: the event at hand) and ``notes`` (its timeline entries) are written
    in the same transaction."""
    profile_data: Mapping[str, Any] = answer.get("external_contact") or {}
    changes = {userid: _Change(list(given)) for userid, given in (facts or {}).items()}
    for follower in answer.get("follow_user") or []:
        userid = str(follower.get("userid") or "")
        if not userid:
            continue
        state = str(follower.get("state") or state_hints.get(userid, "") or "")
        fact = Fact(ADD, int(follower.get("createtime") or 0), state=state)
        change = changes.setdefault(userid, _Change())
        change.facts.insert(0, fact)
        change.details = _details(follower)
    stored = _store(external_userid, changes, profile_data, notes)
    for userid, item in stored.items.items():
        settle_credits(external_userid, userid, item)
    logger.info("contact stored", extra={"external_userid": external_userid})
    _changed(external_userid, cause)
    return stored.contact


def record_add(
    external_userid: str,
    userid: str,
    at: int,
    state: str,
    event_key: str,
    notes: Notes | None = None,
) -> Contact:
    """Keep an add event as a fact: the contact exists from its event alone, even when
    WeCom no longer knows the relationship by the time the event is processed."""
    fact = Fact(ADD, at, state=state, key=event_key)
    stored = _store(external_userid, {userid: _Change([fact])}, None, notes)
    settle_credits(external_userid, userid, stored.items[userid])
    _changed(external_userid, event_key)
    return stored.contact


def _details(follower: Mapping[str, Any]) -> Callable[[store.RelationshipItem], None]:
    """What a WeCom answer tells of a follower besides the add: remark, tags, phones."""

    def apply(item: store.RelationshipItem) -> None:
        if follower.get("add_way") is not None:
            item.add_way = _maybe_int(follower.get("add_way"))
        item.oper_userid = str(follower.get("oper_userid") or item.oper_userid or "")
        item.remark = str(follower.get("remark") or "")
        item.description = str(follower.get("description") or "")
        item.tag_ids = {str(t["tag_id"]) for t in follower.get("tags") or [] if t.get("tag_id")}
        item.phone_hashes = {
            h for m in follower.get("remark_mobiles") or [] if (h := phone_hash(str(m)))
        }

    return apply


def _store(
    external_userid: str,
    changes: Mapping[str, _Change],
    data: Mapping[str, Any] | None,
    notes: Notes | None = None,
) -> Stored:
    """Merge ``changes`` into the relationships and ``data`` (WeCom's profile; ``None``:
    keep what is stored) into the profile, as read in one Query, and write what changed
    with the ``notes`` and the phone index in one transaction, conditional on the versions
    read: another writer won, so read again. The contact returned is the one written (no
    read after the write)."""
    for _ in range(WRITE_ATTEMPTS):
        previous, rels = store.read_contact(external_userid)
        by_user = {r.staff_userid or r.sk.removeprefix(store.REL): r for r in rels}
        hashes_before = {userid: set(r.phone_hashes or set()) for userid, r in by_user.items()}
        saves: list[store.ContactsItem] = []
        touched: dict[str, store.RelationshipItem] = {}
        now = int(time.time())
        for userid, change in changes.items():
            item = by_user.get(userid) or store.new_relationship(external_userid, userid)
            before = item.serialize()
            if not item.facts and item.added_at is not None:  # written before facts were kept
                item.facts = _legacy_facts(item)
                item.credits = {n: c.to_json() for n, c in derive(item.facts).credits.items()}
            item.facts = merge(item.facts or {}, change.facts)
            if change.details is not None:
                change.details(item)
            _apply_derived(item)
            if item.serialize() != before:
                item.updated_at = now
                saves.append(item)
            by_user[userid] = touched[userid] = item
        profile = _profile(external_userid, data or {}, by_user.values(), previous)
        if previous is not None:
            profile.version = previous.version
            profile.updated_at = previous.updated_at
            if profile.serialize() == previous.serialize():
                profile = previous
        if profile is not previous:
            profile.updated_at = now
            saves.append(profile)
        contact = _contact(profile, by_user.values())
        entries = [
            store.timeline_item(external_userid, e.kind, e.at, e.detail, e.event_key)
            for e in (notes(contact) if notes is not None else ())
        ]
        puts, deletes = _phones(external_userid, hashes_before, by_user, touched)
        if not saves and not entries and not puts and not deletes:
            return Stored(contact, touched)
        try:
            store.write_contact([*saves, *entries, *puts], deletes)
        except Conflict:
            continue
        return Stored(contact, touched)
    raise DependencyUnavailable("a contact kept changing while it was written")


def _phones(
    external_userid: str,
    before: Mapping[str, set[str]],
    by_user: Mapping[str, store.RelationshipItem],
    touched: Mapping[str, store.RelationshipItem],
) -> tuple[list[store.ContactsItem], list[store.ContactsItem]]:
    """``phone#<hmac>`` items for the remark phones, kept while any relationship has them."""
    kept = {h for item in by_user.values() for h in (item.phone_hashes or set())}
    old = {h for userid in touched for h in before.get(userid, set())}
    new = {h for item in touched.values() for h in (item.phone_hashes or set())}
    puts: list[store.ContactsItem] = [
        store.phone_item(digest, external_userid) for digest in sorted(new - old)
    ]
    deletes: list[store.ContactsItem] = [
        store.phone_item(digest, external_userid) for digest in sorted(old - kept)
    ]
    return puts, deletes


def _legacy_facts(item: store.RelationshipItem) -> dict[str, Any]:
    """Facts for an item written before facts were kept: its add, and its end if ended."""
    facts: list[Fact] = []
    if item.added_at is not None:
        facts.append(Fact(ADD, int(item.added_at), state=item.state or ""))
    if item.status == store.ENDED and item.ended_at is not None and item.ended_by:
        facts.append(Fact(DEL, int(item.ended_at), by=cast(Any, item.ended_by)))
    return merge({}, facts)


def _apply_derived(item: store.RelationshipItem) -> None:
    derived = derive(item.facts or {})
    item.status = store.ACTIVE if derived.status == "active" else store.ENDED
    item.added_at = derived.added_at
    item.state = derived.state
    item.code = derived.code
    item.channel = derived.channel
    item.via = derived.via
    item.ended_at = derived.ended_at
    item.ended_by = derived.ended_by
    item.retention_days = derived.retention_days


def _profile(
    external_userid: str,
    data: Mapping[str, Any],
    relationships: Iterable[store.RelationshipItem],
    previous: store.ProfileItem | None,
) -> store.ProfileItem:
    rels = list(relationships)
    dated = sorted((r for r in rels if r.added_at is not None), key=lambda r: int(r.added_at or 0))
    first_channel, first_added_at = "", None
    if dated:
        first_channel, first_added_at = dated[0].channel, _int(dated[0].added_at)
    active = [r for r in rels if r.status == store.ACTIVE]

    def pick(key: str, stored: Any, default: Any = "") -> Any:
        value = data.get(key)
        if value not in (None, ""):
            return value
        return stored if previous is not None and stored not in (None, "") else default

    return store.ProfileItem(
        store.contact_pk(external_userid),
        store.PROFILE,
        external_userid=external_userid,
        name=str(pick("name", previous.name if previous else "")),
        type=_maybe_int(pick("type", previous.type if previous else 0, 0)) or 0,
        gender=_maybe_int(pick("gender", previous.gender if previous else 0, 0)) or 0,
        avatar=str(pick("avatar", previous.avatar if previous else "")),
        unionid=str(pick("unionid", previous.unionid if previous else "")) or None,
        corp_name=str(
            data.get("corp_name")
            or data.get("corp_full_name")
            or (previous.corp_name if previous else "")
        ),
        first_channel=first_channel,
        first_added_at=first_added_at,
        tag_ids={t for r in active for t in (r.tag_ids or set())},
        status=store.ACTIVE if active else store.LOST,
    )


# --- deletions and transfers ---------------------------------------------------------------


def end_relationship(
    external_userid: str, userid: str, at: int, ended_by: EndedBy, event_key: str = ""
) -> Relationship:
    """Keep a deletion of ``userid``'s relationship at epoch second ``at`` as a fact.

    The relationship is ended when this is its latest fact (a customer who came back
    since stays active); the deletion is counted once either way, on the channel of the
    add before it. The profile becomes ``lost`` when no active relationship remains.
    """
    fact = Fact(DEL, at, by=ended_by, key=event_key)
    item = _store(external_userid, {userid: _Change([fact])}, None).items[userid]
    settle_credits(external_userid, userid, item)
    _changed(external_userid, event_key)
    return _relationship(item)


def deletion_credit(external_userid: str, userid: str, at: int) -> Credit | None:
    """What the deletion at ``at`` is counted as (channel, retention), once settled."""
    item = store.get_relationship(external_userid, userid)
    if item is None:
        return None
    return derive(item.facts or {}).credits.get(Fact(DEL, at).name)


def transfer_relationship(
    external_userid: str, handover_userid: str, takeover_userid: str, at: int, key: str
) -> Contact:
    """A transfer WeCom completed at ``at``: the old relationship ended by transfer, the
    takeover's begun with the old one's channel, remark and tags (the timeline is the
    contact's, so the history stays). Both in one write."""
    old = store.get_relationship(external_userid, handover_userid)
    state, details = "", None
    if old is not None:
        before = [f for f in ordered(old.facts or _legacy_facts(old)) if f.at <= at]
        adds = [f for f in before if f.kind == ADD]
        state = adds[-1].state if adds else old.state or ""
        details = _inherit(old)
    changes = {
        handover_userid: _Change([Fact(DEL, at, by="transfer", key=key)]),
        takeover_userid: _Change([Fact(ADD, at, state=state, key=key, via="transfer")], details),
    }
    stored = _store(external_userid, changes, None)
    settle_credits(external_userid, handover_userid, stored.items[handover_userid])
    _changed(external_userid, key)
    return stored.contact


def _inherit(old: store.RelationshipItem) -> Callable[[store.RelationshipItem], None]:
    def apply(item: store.RelationshipItem) -> None:
        if not (item.remark or item.tag_ids or item.phone_hashes):
            item.remark = old.remark
            item.description = old.description
            item.tag_ids = set(old.tag_ids or set())
            item.phone_hashes = set(old.phone_hashes or set())

    return apply


def settle_credits(
    external_userid: str, userid: str, item: store.RelationshipItem | None = None
) -> list[Credit]:
    """Keep what each deletion of the relationship is credited to now (the reports count
    it so, :func:`chalicelib.contacts.queries.deletion_credits`); returns the credits
    that moved. When an add processed later shows a deletion followed that add, its
    timeline entry is written again with the add's channel."""
    moved: list[Credit] = []
    for attempt in range(WRITE_ATTEMPTS):
        if attempt or item is None:  # the item just written needs no second read
            item = store.get_relationship(external_userid, userid)
        if item is None:
            return moved
        if not item.credits and not any(k.startswith(DEL) for k in (item.facts or {})):
            return moved  # no deletion: nothing to count
        desired = derive(item.facts or {}).credits
        recorded = {name: Credit.from_json(value) for name, value in (item.credits or {}).items()}
        changes = [
            (recorded.get(name), credit)
            for name, credit in desired.items()
            if not credit.same_counters(recorded.get(name))
        ]
        if not changes:
            return moved
        moved.extend(after for _, after in changes)
        item.credits = {name: credit.to_json() for name, credit in desired.items()}
        if not store.save_if_unchanged(item, "a count"):
            continue  # another writer: read again (each move above is once-only)
        for before, after in changes:
            if before is not None and after.key:
                _record_deletion(external_userid, userid, after)
        return moved
    raise DependencyUnavailable("a relationship kept changing while its counts were settled")


def _record_deletion(external_userid: str, userid: str, credit: Credit) -> None:
    record_event(
        external_userid,
        "deleted",
        credit.at,
        {
            "staff_userid": userid,
            "by": credit.by,
            "channel": credit.channel,
            "retention_days": credit.retention_days,
        },
        credit.key,
    )


# --- tags mirrored from WeCom --------------------------------------------------------------


def mark_tags(
    external_userid: str,
    userid: str,
    tag_ids: Iterable[str],
    at: int,
    event_key: str,
    notes: Sequence[TimelineNote] = (),
) -> bool:
    """Mirror tags just marked in WeCom on one relationship (and the profile's union) with
    the ``tagged`` timeline entry (and ``notes``: other entries of the customer's), in one
    write and without reading first. False when the relationship is not stored (nothing
    is written)."""
    added = sorted(set(tag_ids))
    if not added:
        return False
    entry = store.timeline_item(
        external_userid,
        "tagged",
        at * 1000,
        {"staff_userid": userid, "tag_ids": added},
        event_key,
    )
    others = [
        store.timeline_item(external_userid, kind, at_ms, dict(detail), key)
        for kind, at_ms, detail, key in notes
    ]
    entries = list({item.sk: item for item in [*others, entry]}.values())
    if not store.mark_tags(external_userid, userid, added, entries):
        return False
    _changed(external_userid, event_key)
    return True


def edit_tags(external_userid: str, body: ContactTagsIn, operator: str) -> Contact:
    """Add and remove corporate tags in WeCom (``mark_tag``, one call per relationship that
    changes), then in the mirror and on the timeline. Tags a relationship already has (or
    lacks) are not sent again, so repeating the request changes nothing."""
    contact = get_contact(external_userid)
    active = [r for r in contact.relationships if r.status == "active"]
    if body.staff_userid is not None:
        active = [r for r in active if r.staff_userid == body.staff_userid]
        if not active:
            raise NotFollowing(f"{body.staff_userid} does not follow {external_userid}")
    elif not active:
        raise NotFollowing(f"no staff member follows {external_userid} any more")
    now = int(time.time())
    changed = False
    for relationship in active:
        present = set(relationship.tag_ids)
        add = [t for t in dict.fromkeys(body.add) if t not in present]
        remove = [t for t in dict.fromkeys(body.remove) if t in present]
        if not add and not remove:
            continue
        get_client().mark_tag(relationship.staff_userid, external_userid, add=add, remove=remove)
        item = store.get_relationship(external_userid, relationship.staff_userid)
        if item is None:
            continue
        item.tag_ids = (set(item.tag_ids or set()) | set(add)) - set(remove)
        item.updated_at = now
        store.save(item)
        detail = {"staff_userid": relationship.staff_userid, "operator": operator}
        key = f"console-tags:{now}:{relationship.staff_userid}"
        if add:
            record_event(external_userid, "tagged", now, {**detail, "tag_ids": add}, key)
        if remove:
            record_event(external_userid, "untagged", now, {**detail, "tag_ids": remove}, key)
        changed = True
    if changed:
        _refresh_profile_tags(external_userid)
    return get_contact(external_userid)


def _refresh_profile_tags(external_userid: str) -> None:
    profile = store.get_profile(external_userid)
    if profile is None:
        return
    active = [r for r in store.relationships(external_userid) if r.status == store.ACTIVE]
    tags = {t for r in active for t in (r.tag_ids or set())}
    if set(profile.tag_ids or set()) != tags:
        profile.tag_ids = tags
        store.save(profile)


# --- timeline ------------------------------------------------------------------------------


def record_timeline(
    external_userid: str,
    kind: str,
    at: datetime,
    detail: Mapping[str, Any],
    event_key: str,
) -> TimelineEntry:
    """Add an entry to a contact's timeline; once per ``(event_key, kind)``.

    ``at`` is when it happened (timezone-aware); ``event_key`` is the business key of what
    caused it (a WeCom event key, an order id, …): recording the same pair again rewrites
    the same item, so replays never duplicate an entry. Orders, points, groups and
    messages call this too.
    """
    if not event_key or not kind:
        raise BadRequest("a timeline entry needs a kind and an event key")
    if at.tzinfo is None:
        raise BadRequest("a timeline time must be timezone-aware")
    item = store.timeline_item(
        external_userid, kind, int(at.timestamp() * 1000), dict(detail), event_key
    )
    store.save(item)
    return _entry(item)


def record_event(
    external_userid: str, kind: str, at: int, detail: Mapping[str, Any], event_key: str
) -> TimelineEntry:
    """:func:`record_timeline` for an event stamped in epoch seconds (WeCom's CreateTime)."""
    return record_timeline(external_userid, kind, _as_datetime(at), detail, event_key)


# --- churn alert ---------------------------------------------------------------------------


def send_churn_alert(effect_id: str, userid: str, contact_name: str, rel: Relationship) -> bool:
    """Tell the staff member a customer deleted them; once per ``effect_id``, even when
    WeCom was too slow to answer the first time (:mod:`chalicelib.messaging.app`)."""
    days = "未知" if rel.retention_days is None else str(rel.retention_days)
    content = (
        f"客户流失提醒：客户「{contact_name}」已将您删除。"
        f"来源渠道：{rel.channel or UNKNOWN_CHANNEL}；添加 {days} 天。"
    )
    if not app_messages.send_once(effect_id, userid, content):
        return False
    logger.info("churn alert sent", extra={"staff_userid": userid})
    return True


# --- telling the others -------------------------------------------------------------------


def _changed(external_userid: str, cause: str = "") -> None:
    """Publish :class:`~chalicelib.signals.ContactChanged` once the contact is stored. Its
    effect is keyed by the cause (the event), so the writes of one event (its add, then
    its auto-tags) tell the directory once per processing pass."""
    from chalicelib import signals

    at = int(time.time())
    signals.publish(
        signals.ContactChanged(
            effect_id=f"contact#{external_userid}#{cause or at}", contact_id=external_userid, at=at
        )
    )


# --- conversions ---------------------------------------------------------------------------

_contact = contact_of
_relationship = relationship_of
_entry = entry_of


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _maybe_int(value: Any) -> int | None:
    try:
        return None if value is None or value == "" else int(value)
    except (TypeError, ValueError):
        return None
