"""Creating broadcasts: the audience is resolved once, at creation, into due items of the
broadcast's single step ``main`` (the tick sends them when due)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from chalicelib.broadcasts.errors import BroadcastExists, BroadcastNotFound, NoRecipients
from chalicelib.broadcasts.models import (
    BROADCAST_ID,
    PREFIX,
    Broadcast,
    BroadcastIn,
    BroadcastReport,
)
from chalicelib.core.errors import BadRequest
from chalicelib.sop import store
from chalicelib.sop.models import Step
from chalicelib.sop.planner import Route, Subject, plan_step_for_many
from chalicelib.sop.service import funnel, plan_pk

LISTING = "broadcasts"
STEP = "main"
#: A tag circle reads at most this many relationships per sender.
MAX_PER_SENDER = 200_000


def checked_id(broadcast_id: str) -> str:
    if not BROADCAST_ID.match(broadcast_id):
        raise BadRequest("a broadcast id is 1-45 lowercase letters, digits or dashes")
    return broadcast_id


def create(broadcast_id: str, body: BroadcastIn, by: str, now: int | None = None) -> Broadcast:
    now = int(time.time()) if now is None else now
    key = PREFIX + checked_id(broadcast_id)
    if body.audience.audience_id is not None:
        from chalicelib.broadcasts.planning import create_for_audience

        return create_for_audience(broadcast_id, body, by, now)
    subjects = list(_audience(body))
    if not subjects:
        raise NoRecipients("the audience is empty: nobody would receive this broadcast")
    broadcast = Broadcast(
        **body.model_dump(),
        id=broadcast_id,
        recipients=len(subjects),
        created_at=now,
        created_by=by,
    )
    record = {
        **broadcast.model_dump(mode="json"),
        "kind": "broadcast",
        "active": True,
        "steps": [{"id": STEP, "name": body.name}],
    }
    model = store.SopItem.bound()
    if not store.put_new(model(plan_pk(key), store.META, body=record)):
        raise BroadcastExists(f"broadcast {broadcast_id!r} exists; broadcasts are sent once")
    step = Step(id=STEP, name=body.name, delay_minutes=0, day=None, at=None, content=body.content)
    start = body.send_at if body.send_at is not None and body.send_at > now else now
    plan_step_for_many(Route(key, body.target), step, subjects, start=start, now=now)
    store.put(model(LISTING, broadcast_id, at=now))
    return broadcast


def get(broadcast_id: str) -> BroadcastReport:
    key = PREFIX + checked_id(broadcast_id)
    item = store.get_item(plan_pk(key))
    if item is None or not item.body:
        raise BroadcastNotFound(f"no broadcast {broadcast_id!r}")
    broadcast = Broadcast.model_validate(
        {k: v for k, v in item.body.items() if k in Broadcast.model_fields}
    )
    return BroadcastReport(**broadcast.model_dump(), funnel=funnel(key, [STEP]))


def list_broadcasts() -> list[BroadcastReport]:
    return [get(item.sk) for item in store.query(LISTING)]


def cancel(broadcast_id: str) -> None:
    """Stop a broadcast: whatever has not gone out yet is cancelled by the next tick."""
    get(broadcast_id)
    store.delete(plan_pk(PREFIX + broadcast_id))
    store.delete(LISTING, broadcast_id)


def _audience(body: BroadcastIn) -> Iterator[Subject]:
    from chalicelib.sop.triggers import segment_members, sender_of

    audience = body.audience
    if body.target == "moment":
        for sender in dict.fromkeys(audience.senders):
            yield Subject(sender, sender)
        return
    if body.target == "group":
        from chalicelib.groups import store as groups

        for chat_id in dict.fromkeys(audience.chat_ids):
            profile = groups.get_profile(chat_id)
            if profile is not None and profile.owner and profile.status != "dismissed":
                yield Subject(chat_id, str(profile.owner))
        return
    seen: set[str] = set()
    if audience.segment is not None:
        for contact_id in segment_members(audience.segment):
            found = sender_of(contact_id)
            if found and contact_id not in seen:
                seen.add(contact_id)
                yield Subject(contact_id, found)
        return
    from chalicelib.contacts import store as contacts

    wanted = set(audience.tag_ids)
    for sender in dict.fromkeys(audience.senders):
        for rel in contacts.staff_relationships(sender, MAX_PER_SENDER):
            contact_id = str(rel.external_userid)
            if rel.status != contacts.ACTIVE or contact_id in seen:
                continue
            if wanted & set(rel.tag_ids or ()):
                seen.add(contact_id)
                yield Subject(contact_id, sender)
