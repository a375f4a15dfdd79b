"""The contacts table's items as domain objects (:mod:`chalicelib.contacts.models`): the
one place that turns a stored profile, relationship or timeline item into what the
service, the queries and the signals hand out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from chalicelib.contacts.models import Contact, Relationship, TimelineEntry

if TYPE_CHECKING:
    from chalicelib.contacts import store


def contact_of(profile: store.ProfileItem, rels: Iterable[store.RelationshipItem]) -> Contact:
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
            (relationship_of(r) for r in rels), key=lambda r: (r.added_at or 0, r.staff_userid)
        ),
    )


def relationship_of(item: store.RelationshipItem) -> Relationship:
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


def entry_of(item: store.TimelineItem) -> TimelineEntry:
    return TimelineEntry(
        kind=item.kind, at=int(item.at), detail=dict(item.detail or {}), event_key=item.event_key
    )


def _int(value: Any) -> int | None:
    return None if value is None else int(value)
