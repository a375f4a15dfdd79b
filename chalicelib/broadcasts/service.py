"""Creating broadcasts: the audience is resolved once, at creation, into due items of the
broadcast's single step ``main`` (the tick sends them when due)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.broadcasts.errors import BroadcastExists, BroadcastNotFound, NoRecipients
from chalicelib.broadcasts.models import (
    BROADCAST_ID,
    PREFIX,
    Broadcast,
    BroadcastIn,
    BroadcastReport,
)
from chalicelib.core.errors import BadRequest
from chalicelib.core.observability import metrics
from chalicelib.messaging.content import STORED
from chalicelib.sop import queries as sop
from chalicelib.sop.queries import Step, Subject

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
    if not sop.create_route(key, record):
        raise BroadcastExists(f"broadcast {broadcast_id!r} exists; broadcasts are sent once")
    step = Step(id=STEP, name=body.name, delay_minutes=0, day=None, at=None, content=body.content)
    start = body.send_at if body.send_at is not None and body.send_at > now else now
    sop.plan_step(key, body.target, step, subjects, start=start, now=now)
    sop.set_listed(LISTING, broadcast_id, now)
    metrics.add_metric(name="BroadcastCreated", unit=MetricUnit.Count, value=1)
    return broadcast


def get(broadcast_id: str) -> BroadcastReport:
    key = PREFIX + checked_id(broadcast_id)
    record = sop.route_record(key)
    if record is None:
        raise BroadcastNotFound(f"no broadcast {broadcast_id!r}")
    broadcast = Broadcast.model_validate(
        {k: v for k, v in record.items() if k in Broadcast.model_fields}, context=STORED
    )
    return BroadcastReport(**broadcast.model_dump(), funnel=sop.funnel(key, [STEP]))


def list_broadcasts() -> list[BroadcastReport]:
    return [get(broadcast_id) for broadcast_id, _ in sop.listed(LISTING)]


def cancel(broadcast_id: str) -> None:
    """Stop a broadcast: whatever has not gone out yet is cancelled by the next tick."""
    get(broadcast_id)
    sop.remove_route(PREFIX + broadcast_id)
    sop.unlist(LISTING, broadcast_id)


def _audience(body: BroadcastIn) -> Iterator[Subject]:
    from chalicelib.contacts import queries as contacts

    audience = body.audience
    if body.target == "moment":
        for sender in dict.fromkeys(audience.senders):
            yield Subject(sender, sender)
        return
    if body.target == "group":
        from chalicelib.groups import queries as groups

        for chat_id in dict.fromkeys(audience.chat_ids):
            profile = groups.group_profile(chat_id)
            if profile is not None and profile.owner and profile.status != "dismissed":
                yield Subject(chat_id, profile.owner)
        return
    seen: set[str] = set()
    if audience.segment is not None:
        for contact_id in sop.segment_members(audience.segment):
            found = contacts.first_follower(contact_id)
            if found and contact_id not in seen:
                seen.add(contact_id)
                yield Subject(contact_id, found)
        return
    for sender in dict.fromkeys(audience.senders):
        for contact_id in contacts.tagged_customers(sender, audience.tag_ids, MAX_PER_SENDER):
            if contact_id not in seen:
                seen.add(contact_id)
                yield Subject(contact_id, sender)
