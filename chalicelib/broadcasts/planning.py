"""Broadcasts to a saved directory audience, or to a segment or tag circle too large to
read in a request: resolved by a job when they are due, never inside an API call.

At creation the broadcast is stored inactive (``planning: waiting``) and listed under
``pk=broadcast-planning``. When its time has come, :func:`plan_waiting` (run by the SOP
tick's schedule just before the tick) pages through the audience in contact id order
(:mod:`chalicelib.directory.queries`), writes one due item per customer (deterministic
keys: a page planned twice is the same items), keeps its place after every page and, once
the last page is written, activates the broadcast. The tick leaves an inactive plan's items
waiting, so it sees the whole audience at once and makes one ``add_msg_template`` call per
sender and 10,000 customers: exactly the sum over senders of ceil(n / 10,000).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.broadcasts.errors import BroadcastExists
from chalicelib.core.lazy import lazy_import
from chalicelib.core.observability import logger, metrics
from chalicelib.sop import queries as sop
from chalicelib.sop.queries import Subject

if TYPE_CHECKING:
    from chalicelib.broadcasts.models import Broadcast, BroadcastIn

#: The broadcasts' models (pydantic), loaded when one is created or planned: the tick asks
#: :func:`plan_waiting` every five minutes, and most times nothing is waiting.
models = lazy_import("chalicelib.broadcasts.models")
message_content = lazy_import("chalicelib.messaging.content")

WAITING = "broadcast-planning"
LISTING = "broadcasts"
STEP = "main"
#: A run stops starting new pages after this long; the next run resumes where it stopped.
BUDGET_S = 300.0


def create_for_audience(broadcast_id: str, body: BroadcastIn, by: str, now: int) -> Broadcast:
    """Store the broadcast inactive (``planning: waiting``) for the job to resolve."""
    if body.audience.audience_id is not None:
        from chalicelib.directory import queries as directory

        directory.get_audience(body.audience.audience_id)  # 404 when there is none
    key = models.PREFIX + broadcast_id
    broadcast = models.Broadcast(
        **body.model_dump(), id=broadcast_id, planning="waiting", created_at=now, created_by=by
    )
    record = {
        **broadcast.model_dump(mode="json"),
        "kind": "broadcast",
        "active": False,
        "steps": [{"id": STEP, "name": body.name}],
        "after": None,
    }
    if not sop.create_route(key, record):
        raise BroadcastExists(f"broadcast {broadcast_id!r} exists; broadcasts are sent once")
    sop.set_listed(WAITING, key, body.send_at or now)
    sop.set_listed(LISTING, broadcast_id, now)
    metrics.add_metric(name="BroadcastCreated", unit=MetricUnit.Count, value=1)
    return broadcast


def plan_waiting(now: int | None = None, budget_s: float = BUDGET_S) -> int:
    """Plan every waiting broadcast whose time has come; returns how many were finished."""
    now = int(time.time()) if now is None else now
    started = time.monotonic()
    finished = attempted = 0
    for key, due_at in sop.listed(WAITING):
        if due_at > now:
            continue
        if attempted and time.monotonic() - started > budget_s:
            break
        attempted += 1
        finished += _plan(key, now, started, budget_s)
    return finished


def _plan(key: str, now: int, started: float, budget_s: float) -> bool:
    found = sop.route_record(key)
    if found is None:  # cancelled
        sop.unlist(WAITING, key)
        return False
    record: dict[str, Any] = found
    body = models.BroadcastIn.model_validate(
        {k: record[k] for k in models.BroadcastIn.model_fields}, context=message_content.STORED
    )
    step = sop.Step(
        id=STEP, name=body.name, delay_minutes=0, day=None, at=None, content=body.content
    )
    start = max(int(body.send_at or now), int(record.get("created_at") or now))
    while True:
        subjects, following = _page(body, record.get("after"))
        if subjects:
            sop.plan_step(key, body.target, step, subjects, start=start, now=now)
        record["recipients"] = int(record.get("recipients") or 0) + len(subjects)
        record["after"] = following
        record["planning"] = "planning" if following else "planned"
        if following is None:
            break
        sop.save_route(key, record)
        if time.monotonic() - started > budget_s:
            return False
    sop.set_targeted(key, STEP, record["recipients"])
    if not record["recipients"]:
        record["planning"] = "empty"
    record["active"] = bool(record["recipients"])
    sop.save_route(key, record)
    sop.unlist(WAITING, key)
    logger.info("broadcast planned", extra={"plan_id": key, "recipients": record["recipients"]})
    return True


#: Members read per page of a segment or of one sender's relationships.
PAGE = 1000


def _page(body: BroadcastIn, after: str | None) -> tuple[list[Subject], str | None]:
    """One page of the audience and where the next starts (``None``: the last page)."""
    audience = body.audience
    if audience.audience_id is not None:
        from chalicelib.directory import queries as directory

        page = directory.audience_page(audience.audience_id, after)
        return [Subject(m.contact_id, m.sender) for m in page.members], page.next_after
    from chalicelib.contacts import queries as contacts

    if audience.segment is not None:
        ids, following = sop.segment_page(audience.segment, after, PAGE)
        found = [(c, contacts.first_follower(c)) for c in ids]
        return [Subject(c, s) for c, s in found if s], following
    # a tag circle: the senders one after the other, ``<sender index>|<cursor>``
    senders = list(dict.fromkeys(audience.senders))
    index, _, cursor = (after or "0|").partition("|")
    sender = senders[int(index)]
    ids, following = contacts.tagged_customers_page(sender, audience.tag_ids, PAGE, cursor or None)
    if following is not None:
        return [Subject(c, sender) for c in ids], f"{index}|{following}"
    nxt = int(index) + 1
    return [Subject(c, sender) for c in ids], (f"{nxt}|" if nxt < len(senders) else None)
