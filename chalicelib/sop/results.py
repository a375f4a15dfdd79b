"""Send results: after a batch went to WeCom, the tick asks how it ended
(``get_groupmsg_task`` / ``get_groupmsg_send_result``; 41063 means still dispatching, so it
asks again later) until every sender confirmed or three days passed.

Each customer WeCom reports as received becomes ``delivered`` and is announced once as
:class:`chalicelib.signals.MessageDelivered`. Per batch the counts are stored whole, so a
poll repeated after a crash rewrites the same numbers.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.core.lazy import lazy_import
from chalicelib.core.observability import metrics
from chalicelib.messaging import sending
from chalicelib.sop import store
from chalicelib.sop.planner import funnel_pk

#: Loaded when a poll has deliveries to announce: an idle tick skips its twenty dataclasses.
signals = lazy_import("chalicelib.signals")

RECEIVED, NOT_FRIEND, ALREADY_RECEIVED, NOT_SENT = 1, 2, 3, 0
TASK_SENT = 2
#: How often a sent batch's results are asked for.
POLL_EVERY_S = 600


def save_batch_counts(batch: store.Due, counts: dict[str, int]) -> None:
    batch_id = batch.pk.removeprefix("batch#")
    store.put(store.Row(funnel_pk(batch.plan_id), f"{batch.step_id}#batch#{batch_id}", body=counts))


def poll(batch: store.Due, now: int) -> None:
    if batch.target == "moment":
        done = sending.moment_status(str(batch.msgid)) == 3
        save_batch_counts(
            batch, {"sent": int(batch.recipients or 0), "senders": 1, "confirmed": int(done)}
        )
        _next(batch, now, done, POLL_EVERY_S)
        return
    try:
        tasks = sending.tasks(str(batch.msgid))
    except sending.StillDispatching:
        _next(batch, now, False, POLL_EVERY_S)
        return
    statuses: dict[str, dict[str, Any]] = {}
    for task in tasks:
        for row in sending.send_results(str(batch.msgid), str(task["userid"])):
            recipient = row.get("external_userid") or row.get("chat_id")
            if recipient:
                statuses[str(recipient)] = row
    counts = {"delivered": 0, "not_friend": 0, "capped": 0, "waiting": 0, "sent": 0}
    delivered = 0
    for members in store.batch_pages(batch.pk.removeprefix("batch#")):
        changed = [m for m in members if _apply(batch, m, statuses.get(str(m.contact_id)))]
        store.save_due(changed)
        delivered += sum(m.status == store.DELIVERED for m in changed)
        for member in members:
            counts["sent"] += member.sent_at is not None
            if member.status == store.DELIVERED:
                counts["delivered"] += 1
            elif member.result in ("not_friend", "capped"):
                counts[str(member.result)] += 1
            elif member.status == store.SENT:
                counts["waiting"] += 1
    if delivered:
        metrics.add_metric(name="SopMessagesDelivered", unit=MetricUnit.Count, value=delivered)
    confirmed = sum(int(t.get("status", 0)) == TASK_SENT for t in tasks)
    counts.update(senders=max(len(tasks), 1), confirmed=confirmed)
    save_batch_counts(batch, counts)
    _next(batch, now, confirmed == len(tasks) and counts["waiting"] == 0, POLL_EVERY_S)


def _apply(batch: store.Due, member: store.Due, row: dict[str, Any] | None) -> bool:
    """Move ``member`` to what WeCom reports; True when it changed."""
    if row is None or member.status not in (store.SENT, store.FAILED):
        return False
    status = int(row.get("status", NOT_SENT))
    if status == RECEIVED and member.status != store.DELIVERED:
        at = int(row.get("send_time") or 0) or int(member.sent_at or 0)
        if member.target == "private":
            signals.publish(
                signals.MessageDelivered(
                    effect_id=f"sop-delivered#{member.plan_id}#{member.step_id}#{member.contact_id}",
                    contact_id=str(member.contact_id),
                    plan_id=member.plan_id,
                    step_id=member.step_id,
                    sender=batch.sender,
                    at=at,
                )
            )
        member.status, member.delivered_at, member.result = store.DELIVERED, at, None
        return True
    result = {NOT_FRIEND: "not_friend", ALREADY_RECEIVED: "capped"}.get(status)
    if result is not None and member.result != result:
        member.status, member.result = store.FAILED, result
        return True
    return False


def _next(batch: store.Due, now: int, done: bool, every: int) -> None:
    if done or now >= int(batch.poll_until or 0):
        batch.status = store.DONE
        batch.schedule(None)
    else:
        batch.schedule(now + every)
    store.save_due([batch])
