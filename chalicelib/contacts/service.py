"""Use cases of the contacts context.

Everything here may run more than once for one WeCom event (at-least-once processing):
profiles and relationships are rebuilt from WeCom's own answer and written whole, timeline
entries are keyed by event, counters move through :func:`chalicelib.storage.once.apply_once`
and the churn alert is claimed once before it is sent.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from pynamodb.exceptions import PynamoDBException
from pynamodb.transactions import TransactWrite

from chalicelib.contacts import store
from chalicelib.contacts.attribution import attribution
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
from chalicelib.core.errors import BadRequest, DependencyUnavailable
from chalicelib.core.observability import logger
from chalicelib.core.settings import get_settings
from chalicelib.storage.once import apply_once, claim_once, release
from chalicelib.wecom.client import get_client
from chalicelib.wecom.errors import (
    INVALID_EXTERNAL_USERID,
    NO_RELATIONSHIP,
    errcode_of,
    is_errcode,
)

#: Channel credited when a deletion concerns an add the product never saw.
UNKNOWN_CHANNEL = "unknown"
DAY_S = 86_400

DELETION_COUNTERS: dict[str, str] = {
    "customer": "deletions_by_customer",
    "staff": "deletions_by_staff",
    "transfer": "deletions_by_transfer",
}


# --- time ----------------------------------------------------------------------------------


def local_day(at: int) -> str:
    """The day (``YYYY-MM-DD``) of epoch second ``at`` in the configured time zone."""
    zone = ZoneInfo(get_settings().timezone)
    return datetime.fromtimestamp(at, zone).date().isoformat()


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


def refresh_from_wecom(external_userid: str, state_hints: Mapping[str, str]) -> Contact | None:
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
    return save_snapshot(external_userid, answer, state_hints)


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
    external_userid: str, answer: Mapping[str, Any], state_hints: Mapping[str, str]
) -> Contact:
    """Upsert one profile and one relationship per follower from an ``externalcontact/get``
    answer. Followers absent from the answer keep their item (deletion events end them)."""
    now = int(time.time())
    profile_data: Mapping[str, Any] = answer.get("external_contact") or {}
    existing = {item.staff_userid: item for item in store.relationships(external_userid)}
    old_hashes = _hashes(existing.values())

    pk = store.contact_pk(external_userid)
    relationships = dict(existing)
    rel_model = store.RelationshipItem.bound()
    for follower in answer.get("follow_user") or []:
        userid = str(follower.get("userid") or "")
        if not userid:
            continue
        old = existing.get(userid)
        hint = state_hints.get(userid, "") or (old.state if old else "")
        state = str(follower.get("state") or hint)
        source = attribution(state)
        added_at = int(follower.get("createtime") or 0) or (_int(old.added_at) if old else None)
        item = rel_model(
            pk,
            store.rel_sk(userid),
            external_userid=external_userid,
            staff_userid=userid,
            added_at=added_at,
            add_way=_maybe_int(follower.get("add_way")),
            oper_userid=str(follower.get("oper_userid") or ""),
            state=state,
            code=source.code,
            channel=source.channel,
            remark=str(follower.get("remark") or ""),
            description=str(follower.get("description") or ""),
            tag_ids={str(t["tag_id"]) for t in follower.get("tags") or [] if t.get("tag_id")},
            phone_hashes={
                h for m in follower.get("remark_mobiles") or [] if (h := phone_hash(str(m)))
            },
            status=store.ACTIVE,
            updated_at=now,
        )
        relationships[userid] = item

    previous = store.get_profile(external_userid)
    profile = _profile(external_userid, profile_data, relationships.values(), previous, now)
    new_hashes = _hashes(relationships.values())
    try:
        for item in relationships.values():
            if item is not existing.get(item.staff_userid):
                item.save()
        profile.save()
        phone_model = store.PhoneItem.bound()
        for digest in sorted(new_hashes - old_hashes):
            phone_model(store.phone_pk(digest), pk, external_userid=external_userid).save()
        for digest in sorted(old_hashes - new_hashes):
            phone_model(store.phone_pk(digest), pk).delete()
    except PynamoDBException as error:
        raise DependencyUnavailable("the contacts table did not accept the contact") from error
    logger.info(
        "contact stored",
        extra={"external_userid": external_userid, "relationships": len(relationships)},
    )
    _changed(external_userid, now)
    return _contact(profile, relationships.values())


def _profile(
    external_userid: str,
    data: Mapping[str, Any],
    relationships: Iterable[store.RelationshipItem],
    previous: store.ProfileItem | None,
    now: int,
) -> store.ProfileItem:
    rels = list(relationships)
    dated = sorted((r for r in rels if r.added_at is not None), key=lambda r: int(r.added_at or 0))
    first_channel, first_added_at = "", None
    if dated:
        first_channel, first_added_at = dated[0].channel, _int(dated[0].added_at)
    if (
        previous is not None
        and previous.first_added_at is not None
        and (first_added_at is None or int(previous.first_added_at) <= first_added_at)
    ):
        first_channel, first_added_at = previous.first_channel, int(previous.first_added_at)
    active = [r for r in rels if r.status == store.ACTIVE]
    return store.ProfileItem.bound()(
        store.contact_pk(external_userid),
        store.PROFILE,
        external_userid=external_userid,
        name=str(data.get("name") or (previous.name if previous else "")),
        type=_maybe_int(data.get("type")) or 0,
        gender=_maybe_int(data.get("gender")) or 0,
        avatar=str(data.get("avatar") or ""),
        unionid=str(data.get("unionid") or "") or None,
        corp_name=str(data.get("corp_name") or data.get("corp_full_name") or ""),
        first_channel=first_channel,
        first_added_at=first_added_at,
        tag_ids={t for r in active for t in (r.tag_ids or set())},
        status=store.ACTIVE if active else store.LOST,
        updated_at=now,
    )


# --- deletions -----------------------------------------------------------------------------


def end_relationship(external_userid: str, userid: str, at: int, ended_by: EndedBy) -> Relationship:
    """End ``userid``'s relationship with the customer at epoch second ``at``.

    A deletion older than the relationship's add (the customer came back since) leaves it
    active. The profile becomes ``lost`` when no active relationship remains.
    """
    item = store.get_relationship(external_userid, userid)
    if item is None:  # added before the product saw this customer
        item = store.RelationshipItem.bound()(
            store.contact_pk(external_userid),
            store.rel_sk(userid),
            external_userid=external_userid,
            staff_userid=userid,
            channel=UNKNOWN_CHANNEL,
        )
    added_at = _int(item.added_at)
    if added_at is not None and at < added_at:
        logger.info("deletion older than the current add ignored", extra={"staff_userid": userid})
        return _relationship(item)
    item.status = store.ENDED
    item.ended_at = at
    item.ended_by = ended_by
    item.retention_days = None if added_at is None else max(0, (at - added_at) // DAY_S)
    item.updated_at = int(time.time())
    try:
        item.save()
        profile = store.get_profile(external_userid)
        if profile is not None:
            others = store.relationships(external_userid)
            active = [r for r in others if r.status == store.ACTIVE]
            status = store.ACTIVE if active else store.LOST
            tags = {t for r in active for t in (r.tag_ids or set())}
            if profile.status != status or set(profile.tag_ids or set()) != tags:
                profile.status = status
                profile.tag_ids = tags
                profile.save()
    except PynamoDBException as error:
        raise DependencyUnavailable("the contacts table did not accept the deletion") from error
    _changed(external_userid, int(item.updated_at or 0))
    return _relationship(item)


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


# --- daily counters ------------------------------------------------------------------------


def code_dimension(code: str, channel: str) -> str:
    """The counters of one live code's channel: ``code#<code>#<channel>``."""
    return f"code#{code}#{channel}"


def count_once(
    effect_id: str, at: int, channel: str, staff_userid: str, counter: str, code: str = ""
) -> bool:
    """Move ``counter`` by one for the channel and the staff member (and the live code's
    channel, when the add came through a code) on ``at``'s local day, exactly once per
    ``effect_id``. False when it had already moved."""
    model = store.DailyStatItem.bound()
    attribute = getattr(model, counter)
    day = f"day#{local_day(at)}"

    def effect(tx: TransactWrite) -> None:
        tx.update(model(day, f"channel#{channel}"), actions=[attribute.add(1)])
        tx.update(model(day, f"staff#{staff_userid}"), actions=[attribute.add(1)])
        if code:
            tx.update(model(day, code_dimension(code, channel)), actions=[attribute.add(1)])

    return apply_once(effect_id, effect)


def daily_counters(day: str, dimension: str) -> dict[str, int]:
    """One day's counters for ``channel#<channel>``, ``staff#<userid>`` or
    ``code#<code>#<channel>`` (reports, tests)."""
    model = store.DailyStatItem.bound()
    try:
        item = model.get(f"day#{day}", dimension, consistent_read=True)
    except model.DoesNotExist:
        return {}
    return _counter_values(item)


def code_counters(day: str, code: str) -> dict[str, dict[str, int]]:
    """One day's counters of every channel of live code ``code``, by channel (a Query)."""
    model = store.DailyStatItem.bound()
    prefix = code_dimension(code, "")
    try:
        items = list(model.query(f"day#{day}", model.sk.startswith(prefix), consistent_read=True))
    except PynamoDBException as error:
        raise DependencyUnavailable("the daily stats did not answer") from error
    return {item.sk[len(prefix) :]: _counter_values(item) for item in items}


def _counter_values(item: store.DailyStatItem) -> dict[str, int]:
    names = ("adds", "deletions_by_customer", "deletions_by_staff", "deletions_by_transfer")
    return {name: int(getattr(item, name)) for name in names if getattr(item, name) is not None}


# --- churn alert ---------------------------------------------------------------------------


def send_churn_alert(effect_id: str, userid: str, contact_name: str, rel: Relationship) -> bool:
    """Tell the staff member a customer deleted them; once per ``effect_id``.

    The claim is released when the send fails, so the event's retry sends it.
    """
    if not claim_once(effect_id):
        return False
    days = "未知" if rel.retention_days is None else str(rel.retention_days)
    content = (
        f"客户流失提醒：客户「{contact_name}」已将您删除。"
        f"来源渠道：{rel.channel or UNKNOWN_CHANNEL}；添加 {days} 天。"
    )
    try:
        get_client().send_app_message(userid, content)
    except Exception:
        release(effect_id)
        raise
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
