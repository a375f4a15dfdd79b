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
from datetime import UTC, datetime
from typing import Any, cast

from pynamodb.exceptions import PutError, PynamoDBException

from chalicelib.contacts import store
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
from chalicelib.storage.dynamo import condition_failed
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
    """The stored contact with its relationships, or ``None`` when unknown."""
    profile = store.get_profile(external_userid)
    if profile is None:
        return None
    return _contact(profile, store.relationships(external_userid))


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


def refresh_from_wecom(
    external_userid: str,
    state_hints: Mapping[str, str],
    facts: Mapping[str, Sequence[Fact]] | None = None,
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
    return save_snapshot(external_userid, answer, state_hints, facts)


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
    return save_snapshot(external_userid, answer, {})


def save_snapshot(
    external_userid: str,
    answer: Mapping[str, Any],
    state_hints: Mapping[str, str],
    facts: Mapping[str, Sequence[Fact]] | None = None,
) -> Contact:
    """Store the profile and each follower's details from an ``externalcontact/get``
    answer. A follower's ``createtime`` is an add fact like an event's; followers absent
    from the answer keep their item (only deletion facts end a relationship). ``facts``
    (per staff userid: the event at hand) are written with the same item."""
    profile_data: Mapping[str, Any] = answer.get("external_contact") or {}
    pending = {userid: list(given) for userid, given in (facts or {}).items()}
    for follower in answer.get("follow_user") or []:
        userid = str(follower.get("userid") or "")
        if not userid:
            continue
        state = str(follower.get("state") or state_hints.get(userid, "") or "")
        fact = Fact(ADD, int(follower.get("createtime") or 0), state=state)
        written = _write_relationship(
            external_userid, userid, [fact, *pending.pop(userid, [])], _details(follower)
        )
        settle_credits(external_userid, userid, written)
    for userid, given in pending.items():  # WeCom no longer lists them: the facts alone
        settle_credits(external_userid, userid, _write_relationship(external_userid, userid, given))
    profile = _write_profile(external_userid, profile_data)
    logger.info("contact stored", extra={"external_userid": external_userid})
    _changed(external_userid, int(time.time()))
    return _contact(profile, store.relationships(external_userid))


def record_add(external_userid: str, userid: str, at: int, state: str, event_key: str) -> Contact:
    """Keep an add event as a fact: the contact exists from its event alone, even when
    WeCom no longer knows the relationship by the time the event is processed."""
    item = _write_relationship(external_userid, userid, [Fact(ADD, at, state=state, key=event_key)])
    settle_credits(external_userid, userid, item)
    profile = _write_profile(external_userid, None)
    _changed(external_userid, int(time.time()))
    return _contact(profile, store.relationships(external_userid))


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


def _write_relationship(
    external_userid: str,
    userid: str,
    facts: Iterable[Fact],
    details: Callable[[store.RelationshipItem], None] | None = None,
) -> store.RelationshipItem:
    """Merge ``facts`` (and a WeCom answer's ``details``) into one relationship, derive its
    state and write it, conditional on the version read (another writer: read again)."""
    new = list(facts)
    for _ in range(WRITE_ATTEMPTS):
        item = store.get_relationship(external_userid, userid)
        if item is None:
            item = store.RelationshipItem.bound()(
                store.contact_pk(external_userid),
                store.rel_sk(userid),
                external_userid=external_userid,
                staff_userid=userid,
            )
        before = item.serialize()
        old_hashes = set(item.phone_hashes or set())
        if not item.facts and item.added_at is not None:  # written before facts were kept
            item.facts = _legacy_facts(item)
            item.credits = {n: c.to_json() for n, c in derive(item.facts).credits.items()}
        item.facts = merge(item.facts or {}, new)
        if details is not None:
            details(item)
        _apply_derived(item)
        if item.serialize() == before:
            return item
        item.updated_at = int(time.time())
        try:
            item.save()
        except PutError as error:
            if condition_failed(error):
                continue
            raise DependencyUnavailable("the contacts table did not accept the contact") from error
        except PynamoDBException as error:
            raise DependencyUnavailable("the contacts table did not accept the contact") from error
        _index_phones(external_userid, userid, old_hashes, set(item.phone_hashes or set()))
        return item
    raise DependencyUnavailable("a relationship kept changing while it was written")


def _index_phones(external_userid: str, userid: str, old: set[str], new: set[str]) -> None:
    """``phone#<hmac>`` items for the remark phones, kept while any relationship has them."""
    if old == new:
        return
    pk = store.contact_pk(external_userid)
    model = store.PhoneItem.bound()
    others = {
        h
        for r in store.relationships(external_userid)
        if r.staff_userid != userid
        for h in (r.phone_hashes or set())
    }
    try:
        for digest in sorted(new - old):
            model(store.phone_pk(digest), pk, external_userid=external_userid).save()
        for digest in sorted(old - new - others):
            model(store.phone_pk(digest), pk).delete()
    except PynamoDBException as error:
        raise DependencyUnavailable("the contacts table did not accept the phones") from error


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


def _write_profile(external_userid: str, data: Mapping[str, Any] | None) -> store.ProfileItem:
    """The profile from WeCom's ``data`` (``None``: keep what is stored) and every
    relationship (status, tags, first channel), conditional on the version read. The
    profile is read before the relationships, so a writer that saw older relationships
    always loses to one that saw newer ones."""
    for _ in range(WRITE_ATTEMPTS):
        previous = store.get_profile(external_userid)
        rels = store.relationships(external_userid)
        profile = _profile(external_userid, data or {}, rels, previous)
        if previous is not None:
            profile.version = previous.version
            profile.updated_at = previous.updated_at
            if profile.serialize() == previous.serialize():
                return previous
        profile.updated_at = int(time.time())
        try:
            profile.save()
        except PutError as error:
            if condition_failed(error):
                continue
            raise DependencyUnavailable("the contacts table did not accept the contact") from error
        except PynamoDBException as error:
            raise DependencyUnavailable("the contacts table did not accept the contact") from error
        return profile
    raise DependencyUnavailable("a contact kept changing while it was written")


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

    return store.ProfileItem.bound()(
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
    item = _write_relationship(external_userid, userid, [fact])
    settle_credits(external_userid, userid, item)
    _write_profile(external_userid, None)
    _changed(external_userid, int(time.time()))
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
    contact's, so the history stays)."""
    old = store.get_relationship(external_userid, handover_userid)
    state, details = "", None
    if old is not None:
        before = [f for f in ordered(old.facts or _legacy_facts(old)) if f.at <= at]
        adds = [f for f in before if f.kind == ADD]
        state = adds[-1].state if adds else old.state or ""
        details = _inherit(old)
    _write_relationship(external_userid, handover_userid, [Fact(DEL, at, by="transfer", key=key)])
    settle_credits(external_userid, handover_userid)
    _write_relationship(
        external_userid,
        takeover_userid,
        [Fact(ADD, at, state=state, key=key, via="transfer")],
        details,
    )
    profile = _write_profile(external_userid, None)
    _changed(external_userid, int(time.time()))
    return _contact(profile, store.relationships(external_userid))


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
        try:
            item.save()
        except PutError as error:
            if condition_failed(error):
                continue  # another writer: read again (each move above is once-only)
            raise DependencyUnavailable("the contacts table did not accept a count") from error
        except PynamoDBException as error:
            raise DependencyUnavailable("the contacts table did not accept a count") from error
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


def mirror_tags(external_userid: str, userid: str, tag_ids: Iterable[str]) -> Contact | None:
    """Add ``tag_ids`` to the mirror of one relationship's tags and the profile's union,
    after they were marked in WeCom. ``None`` when the relationship is unknown."""
    item = store.get_relationship(external_userid, userid)
    if item is None:
        return None
    added = set(tag_ids)
    try:
        item.tag_ids = set(item.tag_ids or set()) | added
        item.save()
        profile = store.get_profile(external_userid)
        if profile is not None:
            profile.tag_ids = set(profile.tag_ids or set()) | added
            profile.save()
    except PynamoDBException as error:
        raise DependencyUnavailable("the contacts table did not accept the tags") from error
    _changed(external_userid, int(time.time()))
    return find_contact(external_userid)


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
        try:
            item.tag_ids = (set(item.tag_ids or set()) | set(add)) - set(remove)
            item.updated_at = now
            item.save()
        except PynamoDBException as error:
            raise DependencyUnavailable("the contacts table did not accept the tags") from error
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
        try:
            profile.save()
        except PynamoDBException as error:
            raise DependencyUnavailable("the contacts table did not accept the tags") from error


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
    at_ms = int(at.timestamp() * 1000)
    suffix = event_key.rsplit(":", 1)[-1][-16:]
    item = store.TimelineItem.bound()(
        store.contact_pk(external_userid),
        f"{store.TIMELINE}{at_ms:015d}#{suffix}#{kind}",
        kind=kind,
        at=at_ms,
        detail=dict(detail),
        event_key=event_key,
    )
    try:
        item.save()
    except PynamoDBException as error:
        raise DependencyUnavailable("the timeline did not accept the entry") from error
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


def _changed(external_userid: str, at: int) -> None:
    """Publish :class:`~chalicelib.signals.ContactChanged` once the contact is stored."""
    from chalicelib import signals

    signals.publish(
        signals.ContactChanged(
            effect_id=f"contact#{external_userid}#{at}", contact_id=external_userid, at=at
        )
    )


# --- conversions ---------------------------------------------------------------------------


def contact_of(profile: store.ProfileItem, rels: Iterable[store.RelationshipItem]) -> Contact:
    """The domain object of stored items (:mod:`chalicelib.contacts.queries` reads them in
    one Query)."""
    return _contact(profile, rels)


def _contact(profile: store.ProfileItem, rels: Iterable[store.RelationshipItem]) -> Contact:
    return Contact(
        external_userid=profile.external_userid,
        name=profile.name,
        type=int(profile.type),
        gender=int(profile.gender),
        avatar=profile.avatar,
        unionid=profile.unionid,
        corp_name=profile.corp_name,
        first_channel=profile.first_channel,
        first_added_at=_int(profile.first_added_at),
        tag_ids=sorted(profile.tag_ids or set()),
        status=cast(Any, profile.status),
        relationships=sorted(
            (_relationship(r) for r in rels), key=lambda r: (r.added_at or 0, r.staff_userid)
        ),
    )


def _relationship(item: store.RelationshipItem) -> Relationship:
    return Relationship(
        staff_userid=item.staff_userid or "",
        added_at=_int(item.added_at),
        add_way=_int(item.add_way),
        oper_userid=item.oper_userid,
        state=item.state,
        code=item.code,
        channel=item.channel,
        remark=item.remark,
        description=item.description,
        tag_ids=sorted(item.tag_ids or set()),
        phone_hashes=sorted(item.phone_hashes or set()),
        status=cast(Any, item.status),
        ended_at=_int(item.ended_at),
        ended_by=cast(Any, item.ended_by),
        retention_days=_int(item.retention_days),
        via=item.via or "",
    )


def _entry(item: store.TimelineItem) -> TimelineEntry:
    return TimelineEntry(
        kind=item.kind, at=int(item.at), detail=dict(item.detail or {}), event_key=item.event_key
    )


def _hashes(items: Iterable[store.RelationshipItem]) -> set[str]:
    return {h for item in items for h in (item.phone_hashes or [])}


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _maybe_int(value: Any) -> int | None:
    try:
        return None if value is None or value == "" else int(value)
    except (TypeError, ValueError):
        return None
