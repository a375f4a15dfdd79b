"""The scheduled tick: read what is due (one Query per hour bucket since the cursor), defer
what caps or quiet hours hold back, send the rest in batches, poll earlier batches' results.

Exactly-once sending: due items are first moved into a batch record whose id is a hash of
its members, then the batch is claimed (``claim_once``) before WeCom is called. A tick that
crashes after the claim finds the batch again: with a ``msgid`` recorded it only finishes
the bookkeeping; without one it cannot know whether WeCom accepted the call, so it marks
the batch ``unconfirmed`` rather than risk sending twice. The tick runs with reserved
concurrency 1 (``.chalice/config.json``), so claims never race a live tick.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pynamodb.transactions import TransactWrite

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.core.settings import get_settings
from chalicelib.messaging import sending
from chalicelib.messaging import store as caps_store
from chalicelib.messaging.content import MessageContent
from chalicelib.messaging.limits import Caps, QuietHours
from chalicelib.sop import results, store
from chalicelib.sop.planner import funnel_pk
from chalicelib.storage.once import claim_once, release
from chalicelib.wecom.errors import WeComError, WeComTokenInvalid, WeComUnavailable

logger = logging.getLogger(__name__)

CURSOR = ("tick", "cursor")
#: The cursor never starts later than this before now (clock skew between writers).
LOOKBACK_S = 2 * 3600
FIRST_LOOKBACK_S = 48 * 3600
POLL_EVERY_S = 600
POLL_FOR_S = 3 * 86_400
BATCH_SIZE = {
    "private": sending.MAX_CUSTOMERS_PER_CALL,
    "group": sending.MAX_GROUPS_PER_CALL,
    "moment": 1_000_000,  # one post per sender: its customers see it
}


@dataclass
class TickReport:
    quiet: bool = False
    read: int = 0
    deferred: int = 0
    cancelled: int = 0
    batches: int = 0
    calls: int = 0
    recipients: int = 0
    unconfirmed: int = 0
    polled: int = 0
    reminded: int = 0
    expired: int = 0
    errors: list[str] = field(default_factory=list)
    #: (sender, target, label) -> [(batch id, recipients)], reminded at the end of the tick
    reminders: dict[tuple[str, str, str], list[tuple[str, int]]] = field(default_factory=dict)


def run(now: int | None = None) -> TickReport:
    now = int(time.time()) if now is None else now
    report = TickReport()
    quiet = QuietHours.from_settings()
    report.quiet = quiet.is_quiet(now)
    start = _cursor(now)
    rows = list(store.due(store.buckets_between(start, now), now))
    report.read = len(rows)
    held: list[store.DueItem] = []
    for batch in (r for r in rows if r.kind == "batch"):
        if batch.status == store.POLLING:
            results.poll(batch, now)
            report.polled += 1
        elif report.quiet:
            held.append(batch)
        else:
            send_batch(batch, now, None, report)
    items = _expire_stale([r for r in rows if r.kind == "item"], now, report)
    if report.quiet:
        held.extend(items)
    else:
        held.extend(_send_items(items, now, report))
    send_reminders(report)
    _save_cursor(min([str(r.due_bucket or store.bucket(now)) for r in held] + [store.bucket(now)]))
    return report


def _expire_stale(items: list[store.DueItem], now: int, report: TickReport) -> list[store.DueItem]:
    """Items due longer ago than ``SOP_MAX_LATENESS_S`` are not sent any more (a day-1
    greeting a week late): each is marked expired and counted so in the funnel, once.
    The rest are returned."""
    limit = get_settings().sop_max_lateness_s
    fresh: list[store.DueItem] = []
    model = store.DueItem.bound()
    for item in items:
        if item.due_at is None or now - int(item.due_at) <= limit:
            fresh.append(item)
            continue
        previous = item.due_at
        item.status, item.result = store.EXPIRED, "too_late"
        item.schedule(None)

        def write(tx: TransactWrite, item: store.DueItem = item, previous: Any = previous) -> None:
            tx.save(item, condition=model.due_at == previous)
            store.counter_update(tx, funnel_pk(item.plan_id), f"{item.step_id}#expired")

        with contextlib.suppress(store.AlreadyDone):
            store.transact(write)
        report.expired += 1
    return fresh


@dataclass(frozen=True)
class PlannedSend:
    """One WeCom call to make: a step's content from one sender to at most the call's limit
    of recipients."""

    plan: dict[str, Any]
    step_id: str
    target: str
    members: Sequence[store.DueItem]


def _send_items(items: list[store.DueItem], now: int, report: TickReport) -> list[store.DueItem]:
    """Send due items; returns those left waiting (paused plans)."""
    sends, waiting = plan_sends(items, now, report)
    for send in sends:
        batch = _open_batch(send.members, now, _label(send.plan, send.step_id))
        send_batch(batch, now, list(send.members), report)
    return waiting


def plan_sends(
    items: list[store.DueItem], now: int, report: TickReport
) -> tuple[list[PlannedSend], list[store.DueItem]]:
    """Due items grouped by plan, step, target, sender and content into calls of at most
    10,000 customers (2,000 groups); capped customers are deferred, items of removed plans
    cancelled, items of paused plans left waiting (returned second)."""
    plans = _plans({i.plan_id for i in items})
    live: list[store.DueItem] = []
    waiting: list[store.DueItem] = []
    for item in items:
        plan = plans.get(item.plan_id)
        if plan is None:
            item.status, item.result = store.CANCELLED, "plan_removed"
            item.schedule(None)
            store.save_due([item])
            report.cancelled += 1
        elif not plan.get("active", True):
            waiting.append(item)
        else:
            live.append(item)
    live = _within_caps(live, now, report)
    groups: dict[tuple[str, str, str, str, str], list[store.DueItem]] = defaultdict(list)
    for item in live:
        groups[(item.plan_id, item.step_id, item.target, item.sender, item.content_key)].append(
            item
        )
    sends = [
        PlannedSend(plans[key[0]], key[1], key[2], chunk)
        for key in sorted(groups)
        for chunk in sending.chunks(
            sorted(groups[key], key=lambda i: i.pk), BATCH_SIZE.get(key[2], 10_000)
        )
    ]
    return sends, waiting


def _plans(ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    model = store.SopItem.bound()
    keys = [(f"plan#{plan_id}", store.META) for plan_id in sorted(set(ids))]
    if not keys:
        return {}
    return {item.pk.removeprefix("plan#"): dict(item.body or {}) for item in model.batch_get(keys)}


def _label(plan: dict[str, Any], step_id: str) -> str:
    steps: list[dict[str, Any]] = plan.get("steps", [])
    step: dict[str, Any] = next((s for s in steps if s.get("id") == step_id), {})
    name = plan.get("name") or plan.get("id", "")
    return f"{name} · {step.get('name') or step_id}"


def _within_caps(items: list[store.DueItem], now: int, report: TickReport) -> list[store.DueItem]:
    """Items whose customer may receive one more mass message now; the rest are moved to
    when the caps allow (outside quiet hours) and counted as deferred."""
    private = [i for i in items if i.target == "private"]
    if not private:
        return items
    caps, quiet = Caps.from_settings(), QuietHours.from_settings()
    sent = caps_store.sent_times({str(i.contact_id) for i in private})
    admitted: list[store.DueItem] = [i for i in items if i.target != "private"]
    for item in sorted(private, key=lambda i: (int(i.due_at or 0), i.pk)):
        history = sent.setdefault(str(item.contact_id), [])
        allowed_at = caps.next_allowed(history, now)
        if allowed_at is None:
            history.append(now)
            admitted.append(item)
            continue
        _defer(item, quiet.later_if_quiet(allowed_at))
        report.deferred += 1
    return admitted


def _defer(item: store.DueItem, at: int) -> None:
    """Move the item and count the deferral, both or neither (idempotent: the condition
    fails when a re-run finds the item already moved)."""
    previous = item.due_at
    item.schedule(at)
    item.deferrals = int(item.deferrals or 0) + 1
    model = store.DueItem.bound()

    def write(tx: TransactWrite) -> None:
        tx.save(item, condition=model.due_at == previous)
        store.counter_update(tx, funnel_pk(item.plan_id), f"{item.step_id}#deferred")

    with contextlib.suppress(store.AlreadyDone):
        store.transact(write)


def batch_id_of(members: Sequence[store.DueItem]) -> str:
    digest = hashlib.sha256("\n".join(sorted(m.pk for m in members)).encode()).hexdigest()
    return digest[:24]


def _open_batch(members: Sequence[store.DueItem], now: int, label: str) -> store.DueItem:
    first = members[0]
    batch_id = batch_id_of(members)
    batch = store.DueItem.bound()(
        f"batch#{batch_id}",
        kind="batch",
        plan_id=first.plan_id,
        step_id=first.step_id,
        target=first.target,
        sender=first.sender,
        content=first.content,
        content_key=first.content_key,
        status=store.OPEN,
        label=label,
        recipients=len(members),
        created_at=now,
    )
    batch.schedule(now)
    store.save_due_new(batch)
    for member in members:
        member.status, member.batch_id = store.BATCHED, batch_id
        member.schedule(None)
    store.save_due(members)
    return batch


def send_batch(
    batch: store.DueItem,
    now: int,
    members: list[store.DueItem] | None,
    report: TickReport,
) -> None:
    batch_id = batch.pk.removeprefix("batch#")
    if members is None:
        members = [i for i in store.batch_items(batch_id) if i.status == store.BATCHED]
    effect = f"sop-send#{batch_id}"
    if batch.msgid or not claim_once(effect):
        # Sent by an earlier tick that stopped part way (or a claim without an answer).
        recorded = batch if batch.msgid else store.get_due(batch.pk)
        if recorded is not None and recorded.msgid:
            _finish(recorded, members, [], now, report)
        else:
            _give_up(batch, members, store.UNCONFIRMED, "unconfirmed")
            report.unconfirmed += len(members)
        return
    if not members:
        release(effect)
        _close(batch, store.DONE)
        return
    content = MessageContent.model_validate(batch.content)
    ids = [str(m.contact_id) for m in members]
    try:
        if batch.target == "moment":
            batch.msgid, fail_list = sending.post_moment(batch.sender, content), []
        elif batch.target == "group":
            sent = sending.send_to_groups(batch.sender, ids, content)
            batch.msgid, fail_list = sent.msgid, sent.fail_list
        else:
            sent = sending.send_to_customers(batch.sender, ids, content)
            batch.msgid, fail_list = sent.msgid, sent.fail_list
    except WeComTokenInvalid:
        release(effect)
        raise
    except WeComError as error:
        if error.errcode is None:
            # No answer: WeCom may have accepted it. Never send it again.
            _give_up(batch, members, store.UNCONFIRMED, "unconfirmed")
            report.unconfirmed += len(members)
        elif isinstance(error, WeComUnavailable):
            release(effect)  # busy or rate limited: refused, so the next tick tries again
            report.errors.append(f"{batch_id}: {error.errcode}")
        else:
            result = "not_friend" if error.errcode in (41048, 84061) else f"wecom_{error.errcode}"
            _give_up(batch, members, store.FAILED, result)
            not_friend = len(members) if result == "not_friend" else 0
            results.save_batch_counts(batch, {"sent": 0, "not_friend": not_friend})
        return
    report.calls += 1
    report.batches += 1
    report.recipients += len(members)
    store.save_due([batch])  # the msgid first: a re-run then finishes instead of giving up
    _finish(batch, members, fail_list, now, report)


def _finish(
    batch: store.DueItem,
    members: list[store.DueItem],
    fail_list: list[str],
    now: int,
    report: TickReport,
) -> None:
    """Record a sent batch: its members, the caps, the funnel row, the reminder; then hand
    it to the result polling."""
    if members:
        _record_sent(batch, members, fail_list, now, report)
    batch.status, batch.poll_until = store.POLLING, now + POLL_FOR_S
    batch.schedule(now + (0 if batch.target == "moment" else POLL_EVERY_S))
    store.save_due([batch])


def _record_sent(
    batch: store.DueItem,
    members: list[store.DueItem],
    fail_list: list[str],
    now: int,
    report: TickReport,
) -> None:
    batch_id = batch.pk.removeprefix("batch#")
    failed = set(fail_list)
    for member in members:
        if member.contact_id in failed:
            member.status, member.result = store.FAILED, "not_friend"
        else:
            member.status, member.sent_at = store.SENT, now
    store.save_due(members)
    if batch.target == "private":
        caps_store.record_sends(
            batch_id, [str(m.contact_id) for m in members if m.status == store.SENT], now, now
        )
    sent = sum(m.status == store.SENT for m in members)
    results.save_batch_counts(
        batch, {"sent": sent, "not_friend": len(failed), "waiting": sent, "senders": 1}
    )
    if sent:
        report.reminders.setdefault((batch.sender, batch.target, batch.label), []).append(
            (batch_id, sent)
        )


def send_reminders(report: TickReport) -> None:
    """One app message per sender and step: nothing goes out before they confirm in the
    WeCom client. Once per set of batches (a re-run does not remind again)."""
    for (sender, target, label), batches in sorted(report.reminders.items()):
        ids = "\n".join(sorted(batch_id for batch_id, _ in batches))
        effect = "sop-remind#" + hashlib.sha256(ids.encode()).hexdigest()[:24]
        count = sum(n for _, n in batches)
        what = {"private": f"{count} 位客户", "group": f"{count} 个客户群", "moment": "朋友圈"}
        text = (
            f"【待发送】{label}：请在企业微信「客户联系 → 群发助手」确认发送给"
            f"{what.get(target, str(count))}。"
        )
        try:
            if sending.remind(effect, sender, text):
                report.reminded += 1
        except (WeComError, DependencyUnavailable) as error:
            logger.warning("reminder not sent", extra={"sender": sender, "error": str(error)})


def _give_up(batch: store.DueItem, members: list[store.DueItem], status: str, result: str) -> None:
    for member in members:
        member.status, member.result = status, result
        member.schedule(None)
    store.save_due(members)
    _close(batch, status)


def _close(batch: store.DueItem, status: str) -> None:
    batch.status = status
    batch.schedule(None)
    store.save_due([batch])


def _cursor(now: int) -> str:
    item = store.get_item(*CURSOR)
    latest = store.bucket(now - LOOKBACK_S)
    if item is None or not item.value:
        return store.bucket(now - FIRST_LOOKBACK_S)
    return min(item.value, latest)


def _save_cursor(value: str) -> None:
    store.put(store.SopItem.bound()(CURSOR[0], CURSOR[1], value=value))
