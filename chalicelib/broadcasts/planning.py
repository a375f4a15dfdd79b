"""Broadcasts to a saved directory audience: resolved by a job when they are due, never
inside an API call.

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

import logging
import time
from typing import Any

from chalicelib.broadcasts.errors import BroadcastExists
from chalicelib.broadcasts.models import PREFIX, Broadcast, BroadcastIn
from chalicelib.sop import store
from chalicelib.sop.models import Step
from chalicelib.sop.planner import Route, Subject, funnel_pk, plan_step_for_many
from chalicelib.sop.service import plan_pk

logger = logging.getLogger(__name__)

WAITING = "broadcast-planning"
LISTING = "broadcasts"
STEP = "main"
#: A run stops starting new pages after this long; the next run resumes where it stopped.
BUDGET_S = 300.0


def create_for_audience(broadcast_id: str, body: BroadcastIn, by: str, now: int) -> Broadcast:
    from chalicelib.directory import queries as directory

    directory.get_audience(str(body.audience.audience_id))  # 404 when there is none
    key = PREFIX + broadcast_id
    broadcast = Broadcast(
        **body.model_dump(), id=broadcast_id, planning="waiting", created_at=now, created_by=by
    )
    record = {
        **broadcast.model_dump(mode="json"),
        "kind": "broadcast",
        "active": False,
        "steps": [{"id": STEP, "name": body.name}],
        "after": None,
    }
    model = store.SopItem.bound()
    if not store.put_new(model(plan_pk(key), store.META, body=record)):
        raise BroadcastExists(f"broadcast {broadcast_id!r} exists; broadcasts are sent once")
    store.put(model(WAITING, key, at=body.send_at or now))
    store.put(model(LISTING, broadcast_id, at=now))
    return broadcast


def plan_waiting(now: int | None = None, budget_s: float = BUDGET_S) -> int:
    """Plan every waiting broadcast whose time has come; returns how many were finished."""
    now = int(time.time()) if now is None else now
    started = time.monotonic()
    finished = attempted = 0
    for item in store.query(WAITING):
        if int(item.at or 0) > now:
            continue
        if attempted and time.monotonic() - started > budget_s:
            break
        attempted += 1
        finished += _plan(item.sk, now, started, budget_s)
    return finished


def _plan(key: str, now: int, started: float, budget_s: float) -> bool:
    from chalicelib.directory import queries as directory

    plan = store.get_item(plan_pk(key))
    if plan is None or not plan.body:  # cancelled
        store.delete(WAITING, key)
        return False
    record: dict[str, Any] = dict(plan.body)
    body = BroadcastIn.model_validate({k: record[k] for k in BroadcastIn.model_fields})
    step = Step(id=STEP, name=body.name, delay_minutes=0, day=None, at=None, content=body.content)
    start = max(int(body.send_at or now), int(record.get("created_at") or now))
    route = Route(key, body.target)
    while True:
        page = directory.audience_page(str(body.audience.audience_id), record.get("after"))
        subjects = [Subject(m.contact_id, m.sender) for m in page.members]
        if subjects:
            plan_step_for_many(route, step, subjects, start=start, now=now)
        record["recipients"] = int(record.get("recipients") or 0) + len(subjects)
        record["after"] = page.next_after
        record["planning"] = "planning" if page.next_after else "planned"
        if page.next_after is None:
            break
        store.put(store.SopItem.bound()(plan_pk(key), store.META, body=record))
        if time.monotonic() - started > budget_s:
            return False
    model = store.SopItem.bound()
    store.put(model(funnel_pk(key), f"{STEP}#targeted", tally=record["recipients"]))
    if not record["recipients"]:
        record["planning"] = "empty"
    record["active"] = bool(record["recipients"])
    store.put(model(plan_pk(key), store.META, body=record))
    store.delete(WAITING, key)
    logger.info("broadcast planned", extra={"plan_id": key, "recipients": record["recipients"]})
    return True
