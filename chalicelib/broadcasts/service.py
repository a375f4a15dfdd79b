"""Creating broadcasts: a small audience is resolved at creation into due items of the
broadcast's single step ``main`` (the tick sends them when due); a saved audience, or a
segment or tag circle larger than :data:`INLINE_MAX`, is resolved by the planning job
(:mod:`chalicelib.broadcasts.planning`), never inside the API call."""

from __future__ import annotations

import time

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
#: A segment or tag circle is resolved in the request when it holds at most this many
#: members (or relationships per sender); a larger one by the planning job, page by page.
INLINE_MAX = 500


def checked_id(broadcast_id: str) -> str:
    if not BROADCAST_ID.match(broadcast_id):
        raise BadRequest("a broadcast id is 1-45 lowercase letters, digits or dashes")
    return broadcast_id


def create(broadcast_id: str, body: BroadcastIn, by: str, now: int | None = None) -> Broadcast:
    now = int(time.time()) if now is None else now
    key = PREFIX + checked_id(broadcast_id)
    subjects = None if body.audience.audience_id is not None else _small_audience(body)
    if subjects is None:  # a saved audience, or too large to read in a request: a job
        from chalicelib.broadcasts.planning import create_for_audience

        return create_for_audience(broadcast_id, body, by, now)
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


def _small_audience(body: BroadcastIn) -> list[Subject] | None:
    """The recipients, when they can be read within a request; ``None`` when the audience
    is larger than :data:`INLINE_MAX` (the job reads it)."""
    from chalicelib.contacts import queries as contacts

    audience = body.audience
    if body.target == "moment":
        return [Subject(sender, sender) for sender in dict.fromkeys(audience.senders)]
    if body.target == "group":
        from chalicelib.groups import queries as groups

        subjects = []
        for chat_id in dict.fromkeys(audience.chat_ids):
            profile = groups.group(chat_id)
            if profile is not None and profile.owner and profile.status != "dismissed":
                subjects.append(Subject(chat_id, profile.owner))
        return subjects
    seen: set[str] = set()
    found: list[Subject] = []
    if audience.segment is not None:
        ids, following = sop.segment_page(audience.segment, None, INLINE_MAX)
        if following is not None:
            return None
        for contact_id in ids:
            sender = contacts.first_follower(contact_id)
            if sender and contact_id not in seen:
                seen.add(contact_id)
                found.append(Subject(contact_id, sender))
        return found
    for sender in dict.fromkeys(audience.senders):
        ids, following = contacts.tagged_customers_page(sender, audience.tag_ids, INLINE_MAX)
        if following is not None:
            return None
        for contact_id in ids:
            if contact_id not in seen:
                seen.add(contact_id)
                found.append(Subject(contact_id, sender))
    return found
