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

import hashlib
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.core.lazy import lazy_import
from chalicelib.core.observability import logger, metrics
from chalicelib.core.settings import get_settings
from chalicelib.messaging import caps as message_caps
from chalicelib.messaging import sending
from chalicelib.messaging.limits import Caps, QuietHours
from chalicelib.sop import results, store
from chalicelib.sop.planner import funnel_pk
from chalicelib.sop.results import POLL_EVERY_S
from chalicelib.storage.once import claim_once, release
from chalicelib.wecom.errors import WeComError, WeComTokenInvalid, WeComUnavailable

#: The steps' content model (pydantic), loaded when a batch is sent: an idle tick skips it.
message_content = lazy_import("chalicelib.messaging.content")

CURSOR = ("tick", "cursor")
#: The cursor never starts later than this before now (clock skew between writers).
LOOKBACK_S = 2 * 3600
FIRST_LOOKBACK_S = 48 * 3600
POLL_FOR_S = 3 * 86_400
BATCH_SIZE = {
    "private": sending.MAX_CUSTOMERS_PER_CALL,
    "group": sending.MAX_GROUPS_PER_CALL,
    "moment": 1_000_000,  # one post per sender: its customers see it
}
#: Due rows read a page at a time; only what a WeCom call needs is kept across pages.
PAGE = 200
#: A run stops reading new pages after this long (the schedule's timeout is 900 s) and
#: sends what it gathered; the next run resumes from the hour it stopped in.
BUDGET_S = 600.0
#: At most this many recipients of unsent batches are kept in memory (half a call's worth):
#: beyond it the largest batch lets go of its members (they are stored, in the
#: ``by_batch`` index; their caps are counted then) and reads them back when it goes out,
#: so memory stays flat whatever the number due, and calls at the floor.
MAX_WAITING = 5_000
#: A batch read back finds all its members in the index, or waits this long at most for
#: it to show the newest (GSI reads are eventually consistent); else it stays open for the
#: next run, which fills it on from the index.
SPILL_WAIT_S = 5.0


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
    #: False when the time budget ran out before every due row was read.
    complete: bool = True
    errors: list[str] = field(default_factory=list)
    #: (sender, target, label) -> [(batch id, recipients)], reminded at the end of the tick
    reminders: dict[tuple[str, str, str], list[tuple[str, int]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Ref:
    """What a WeCom call needs of a due item: its key and its recipient."""

    pk: str
    contact_id: str


@dataclass
class OpenBatch:
    """A batch being filled: its record is stored, its members are stored as ``batched``
    page by page; only their keys and recipients stay in memory, and not even those of
    the ``spilled`` members, which are read back from the index when it goes out."""

    record: store.Due
    refs: list[Ref] = field(default_factory=list)
    spilled: int = 0

    @property
    def size(self) -> int:
        return len(self.refs) + self.spilled


GroupKey = tuple[str, str, str, str, str]  # plan, step, target, sender, content key


class Run:
    """One pass over the due rows, a page at a time."""

    def __init__(self, now: int, report: TickReport, budget_s: float) -> None:
        self.now = now
        self.report = report
        self.deadline = time.monotonic() + budget_s
        self.caps = Caps.from_settings()
        self.quiet_hours = QuietHours.from_settings()
        self.plans: dict[str, dict[str, Any] | None] = {}
        self.open: dict[GroupKey, OpenBatch] = {}
        self.opened: set[str] = set()  # batch records written by this run
        #: Customers admitted by this run whose caps are not counted yet: how often. A sent
        #: batch, or one that let go of its members, counts them in the caps table.
        self.sent_now: dict[str, int] = {}
        self.held_hours: set[str] = set()
        self.waiting = 0

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    # --- reading ----------------------------------------------------------------------

    def read(self, hours: Sequence[str]) -> str | None:
        """Read every due row of ``hours``; the hour it stopped in when the budget ran
        out (``None``: all read)."""
        sharded = store.sharded_hours(hours[0], hours[-1]) if hours else set()
        for hour in hours:
            for partition in store.partitions_of(hour, hour in sharded):
                start: dict[str, Any] | None = None
                while True:
                    if self.out_of_time():
                        return hour
                    page, start = store.due_page(partition, self.now, start, PAGE)
                    self.page(page)
                    if start is None:
                        break
        return None

    def page(self, rows: list[store.Due]) -> None:
        self.report.read += len(rows)
        items: list[store.Due] = []
        for row in rows:
            if row.kind != "batch":
                items.append(row)
            elif row.pk in self.opened:
                continue  # being filled by this run
            elif row.status == store.FILLING and not self.report.quiet:
                self.adopt(row)  # left by a run out of time: filled on from here
            elif row.status == store.POLLING:
                results.poll(row, self.now)
                self.report.polled += 1
            elif self.report.quiet:
                self.hold(row)
            else:
                send_batch(row, self.now, None, self.report)
        items = _expire_stale(items, self.now, self.report)
        if self.report.quiet:
            for item in items:
                self.hold(item)
            return
        self.gather(items)

    def hold(self, row: store.Due) -> None:
        self.held_hours.add(row.hour() or store.bucket(self.now))

    # --- gathering --------------------------------------------------------------------

    def plan(self, plan_id: str) -> dict[str, Any] | None:
        if plan_id not in self.plans:
            self.plans.update(_plans([plan_id]))
            self.plans.setdefault(plan_id, None)
        return self.plans[plan_id]

    def gather(self, items: list[store.Due]) -> None:
        """Cancel items of removed plans, leave those of paused plans, defer capped
        customers, and add the rest to their open batch."""
        self.plans.update(_plans({i.plan_id for i in items} - set(self.plans)))
        live: list[store.Due] = []
        cancelled: list[store.Due] = []
        for item in items:
            plan = self.plan(item.plan_id)
            if plan is None:
                item.status, item.result = store.CANCELLED, "plan_removed"
                item.schedule(None)
                cancelled.append(item)
                self.report.cancelled += 1
            elif not plan.get("active", True):
                self.hold(item)
            else:
                live.append(item)
        if cancelled:
            store.save_due(cancelled)
        admitted = self.within_caps(live)
        joined: dict[str, list[store.Due]] = {}
        for item in sorted(admitted, key=lambda i: i.pk):
            key = (item.plan_id, item.step_id, item.target, item.sender, item.content_key)
            batch = self.open.get(key) or self.start(key, item)
            batch_id = batch.record.pk.removeprefix("batch#")
            item.status, item.batch_id = store.BATCHED, batch_id
            item.schedule(None)
            batch.refs.append(Ref(item.pk, str(item.contact_id)))
            joined.setdefault(batch_id, []).append(item)
            self.waiting += 1
            if batch.size >= BATCH_SIZE.get(item.target, 10_000):
                store.save_due(joined.pop(batch_id))
                self.flush(key)
        store.save_due(i for members in joined.values() for i in members)
        while self.waiting > MAX_WAITING:
            self.spill(max(self.open, key=lambda k: len(self.open[k].refs)))

    def within_caps(self, items: list[store.Due]) -> list[store.Due]:
        """Items whose customer may receive one more mass message now; the rest are
        moved to when the caps allow (outside quiet hours) and counted as deferred."""
        private = [i for i in items if i.target == "private"]
        if not private:
            return items
        sent = message_caps.sent_times({str(i.contact_id) for i in private})
        admitted: list[store.Due] = [i for i in items if i.target != "private"]
        for item in sorted(private, key=lambda i: (int(i.due_at or 0), i.pk)):
            contact = str(item.contact_id)
            history = sent.setdefault(contact, [])
            # admitted earlier in this run, its batch not out yet: counted here
            history.extend([self.now] * self.sent_now.get(contact, 0))
            allowed_at = self.caps.next_allowed(history, self.now)
            if allowed_at is None:
                history.append(self.now)
                self.sent_now[contact] = self.sent_now.get(contact, 0) + 1
                admitted.append(item)
                continue
            _defer(item, self.quiet_hours.later_if_quiet(allowed_at))
            self.report.deferred += 1
        return admitted

    def start(self, key: GroupKey, first: store.Due) -> OpenBatch:
        """A new batch for ``key``, stored ``filling`` (unclaimed: a later run may add to
        it) and in the index now, so a run that stops before sending it leaves it found."""
        plan = self.plan(key[0]) or {}
        seed = "\n".join([*key, str(self.now), first.pk])
        batch_id = hashlib.sha256(seed.encode()).hexdigest()[:24]
        record = store.Due(
            f"batch#{batch_id}",
            kind="batch",
            plan_id=first.plan_id,
            step_id=first.step_id,
            target=first.target,
            sender=first.sender,
            content=first.content,
            content_key=first.content_key,
            status=store.FILLING,
            label=_label(plan, first.step_id),
            recipients=0,
            created_at=self.now,
        )
        record.schedule(self.now)
        store.save_due_new(record)
        self.opened.add(record.pk)
        self.open[key] = OpenBatch(record)
        return self.open[key]

    def adopt(self, record: store.Due) -> None:
        """Fill on a batch an earlier run left unsent (never claimed: its members are only
        stored), or send it as it is when this run already has one for its group."""
        key = (record.plan_id, record.step_id, record.target, record.sender, record.content_key)
        if key in self.open:
            self.opened.add(record.pk)
            self.send(record, _batched_refs(record.pk.removeprefix("batch#")))
            return
        batch = OpenBatch(record, _batched_refs(record.pk.removeprefix("batch#")))
        self.opened.add(record.pk)
        self.open[key] = batch
        self.waiting += len(batch.refs)
        if len(batch.refs) >= BATCH_SIZE.get(record.target, 10_000):
            self.flush(key)

    def spill(self, key: GroupKey) -> None:
        """Let go of the batch's members in memory (they are stored), counting them against
        their caps now (as of this run, as their send will: once per batch)."""
        batch = self.open[key]
        if batch.record.target == "private":
            batch_id = batch.record.pk.removeprefix("batch#")
            message_caps.record_sends(
                batch_id, [r.contact_id for r in batch.refs], self.now, self.now
            )
        self.counted(batch.refs)
        self.waiting -= len(batch.refs)
        batch.spilled += len(batch.refs)
        batch.refs = []

    def counted(self, refs: Iterable[Ref]) -> None:
        for ref in refs:
            left = self.sent_now.get(ref.contact_id, 0) - 1
            if left > 0:
                self.sent_now[ref.contact_id] = left
            else:
                self.sent_now.pop(ref.contact_id, None)

    def flush(self, key: GroupKey) -> None:
        batch = self.open[key]
        if batch.spilled:  # every member let go of and counted, then read back whole
            self.spill(key)
            del self.open[key]
            refs = _read_back(batch)
            if refs is not None:  # else the index is behind: the next run sends it
                self.send(batch.record, refs, counted=True)
            return
        del self.open[key]
        self.waiting -= len(batch.refs)
        self.send(batch.record, batch.refs)
        self.counted(batch.refs)  # sent and counted, or not sent in this run

    def send(self, record: store.Due, refs: list[Ref], counted: bool = False) -> None:
        record.recipients = len(refs)
        record.status = store.OPEN  # from here on it is claimed and sent, or given up
        store.save_due([record])
        send_batch(record, self.now, refs, self.report, counted)

    def flush_all(self) -> None:
        for key in sorted(self.open):
            self.flush(key)


def run(now: int | None = None, budget_s: float | None = None) -> TickReport:
    """Read what is due page by page (memory stays flat whatever the count), send it in
    calls of up to 10,000 customers per sender and step, poll earlier batches; stop
    reading after ``budget_s`` and resume from there next time."""
    now = int(time.time()) if now is None else now
    report = TickReport()
    report.quiet = QuietHours.from_settings().is_quiet(now)
    this = Run(now, report, BUDGET_S if budget_s is None else budget_s)
    stored = store.get_item(*CURSOR)
    first, filling = _cursor(stored, now)
    if not report.quiet:
        for record in store.get_due_many(filling):
            if record.status == store.FILLING:
                this.adopt(record)  # before reading, so the new rows join them
    stopped_in = this.read(store.buckets_between(first, now))
    report.complete = stopped_in is None
    left: list[str] = filling if report.quiet else []
    if report.complete and not report.quiet:
        this.flush_all()
    else:  # the batches being filled stay stored; the next run fills them on, so a step
        # still costs one call per sender and 10,000 customers
        left = sorted(b.record.pk for b in this.open.values())
    send_reminders(report)
    held = [*this.held_hours, stopped_in or store.bucket(now), store.bucket(now)]
    _save_cursor(stored, min(held), left)
    if report.recipients:
        metrics.add_metric(name="SopRecipientsSent", unit=MetricUnit.Count, value=report.recipients)
    if report.calls:
        metrics.add_metric(name="SopBatchesSent", unit=MetricUnit.Count, value=report.calls)
    if not report.complete:
        logger.warning("SOP tick stopped at its time budget", extra={"hour": stopped_in})
    return report


def _expire_stale(items: list[store.Due], now: int, report: TickReport) -> list[store.Due]:
    """Items due longer ago than ``SOP_MAX_LATENESS_S`` are not sent any more (a day-1
    greeting a week late): each is marked expired and counted so in the funnel, once.
    The rest are returned."""
    limit = get_settings().sop_max_lateness_s
    fresh: list[store.Due] = []
    for item in items:
        if item.due_at is None or now - int(item.due_at) <= limit:
            fresh.append(item)
            continue
        previous = item.due_at
        item.status, item.result = store.EXPIRED, "too_late"
        item.schedule(None)

        store.expire(item, previous, funnel_pk(item.plan_id))
        report.expired += 1
    return fresh


@dataclass(frozen=True)
class PlannedSend:
    """One WeCom call to make: a step's content from one sender to at most the call's limit
    of recipients."""

    plan: dict[str, Any]
    step_id: str
    target: str
    members: Sequence[store.Due]


def plan_sends(
    items: list[store.Due], now: int, report: TickReport
) -> tuple[list[PlannedSend], list[store.Due]]:
    """Due items grouped by plan, step, target, sender and content into calls of at most
    10,000 customers (2,000 groups), without sending: capped customers are deferred, items
    of removed plans cancelled, items of paused plans returned second."""
    this = Run(now, report, BUDGET_S)
    this.plans.update(_plans({i.plan_id for i in items}))
    live: list[store.Due] = []
    waiting: list[store.Due] = []
    for item in items:
        plan = this.plan(item.plan_id)
        if plan is None:
            item.status, item.result = store.CANCELLED, "plan_removed"
            item.schedule(None)
            store.save_due([item])
            report.cancelled += 1
        elif not plan.get("active", True):
            waiting.append(item)
        else:
            live.append(item)
    groups: dict[GroupKey, list[store.Due]] = {}
    for item in this.within_caps(live):
        key = (item.plan_id, item.step_id, item.target, item.sender, item.content_key)
        groups.setdefault(key, []).append(item)
    sends = [
        PlannedSend(this.plans[key[0]] or {}, key[1], key[2], chunk)
        for key in sorted(groups)
        for chunk in sending.chunks(
            sorted(groups[key], key=lambda i: i.pk), BATCH_SIZE.get(key[2], 10_000)
        )
    ]
    return sends, waiting


def _plans(ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
    keys = [(f"plan#{plan_id}", store.META) for plan_id in sorted(set(ids))]
    found: dict[str, dict[str, Any] | None] = {
        item.pk.removeprefix("plan#"): dict(item.body or {}) for item in store.get_many(keys)
    }
    return found


def _label(plan: dict[str, Any], step_id: str) -> str:
    steps: list[dict[str, Any]] = plan.get("steps", [])
    step: dict[str, Any] = next((s for s in steps if s.get("id") == step_id), {})
    name = plan.get("name") or plan.get("id", "")
    return f"{name} · {step.get('name') or step_id}"


def _defer(item: store.Due, at: int) -> None:
    """Move the item and count the deferral, both or neither (idempotent: the condition
    fails when a re-run finds the item already moved)."""
    previous = item.due_at
    item.schedule(at)
    item.deferrals = int(item.deferrals or 0) + 1

    store.defer(item, previous, funnel_pk(item.plan_id))


def _members(refs: Sequence[Ref]) -> Iterator[list[store.Due]]:
    """The stored items of ``refs``, 100 at a time (consistent reads)."""
    for chunk in sending.chunks(list(refs), 100):
        yield store.get_due_many([r.pk for r in chunk])


def _read_back(batch: OpenBatch) -> list[Ref] | None:
    """The members of a batch that let go of them all, once the index shows every one
    (``None`` if it does not within :data:`SPILL_WAIT_S`)."""
    batch_id = batch.record.pk.removeprefix("batch#")
    deadline = time.monotonic() + SPILL_WAIT_S
    while True:
        found = _batched_refs(batch_id)
        if len(found) >= batch.size:
            return found
        if time.monotonic() > deadline:
            logger.warning(
                "batch members not yet in the index: sent by the next run",
                extra={"batch": batch_id, "found": len(found), "members": batch.size},
            )
            return None
        del found
        time.sleep(0.2)


def _batched_refs(batch_id: str) -> list[Ref]:
    return [
        Ref(item.pk, str(item.contact_id))
        for page in store.batch_pages(batch_id)
        for item in page
        if item.status == store.BATCHED
    ]


def send_batch(
    batch: store.Due,
    now: int,
    refs: Sequence[Ref] | None,
    report: TickReport,
    counted: bool = False,
) -> None:
    """Claim and send one batch (``refs``: its members, else read from the index).
    ``counted``: some members were counted against their caps before the send (a batch
    that let go of them): a refused send, or a member WeCom refuses, is taken back."""
    batch_id = batch.pk.removeprefix("batch#")
    if refs is None:
        refs = _batched_refs(batch_id)
        batch.recipients = len(refs)
    effect = f"sop-send#{batch_id}"
    if batch.msgid or not claim_once(effect):
        # Sent by an earlier tick that stopped part way (or a claim without an answer).
        recorded = batch if batch.msgid else store.get_due(batch.pk)
        if recorded is not None and recorded.msgid:
            _finish(recorded, refs, [], now, report)
        else:
            _give_up(batch, refs, store.UNCONFIRMED, "unconfirmed")
            report.unconfirmed += len(refs)
        return
    if not refs:
        release(effect)
        _close(batch, store.DONE)
        return
    content = message_content.MessageContent.model_validate(
        batch.content, context=message_content.STORED
    )
    ids = [r.contact_id for r in refs]
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
            _give_up(batch, refs, store.UNCONFIRMED, "unconfirmed")
            report.unconfirmed += len(refs)
        elif isinstance(error, WeComUnavailable):
            release(effect)  # busy or rate limited: refused, so the next tick tries again
            store.save_due([batch])
            report.errors.append(f"{batch_id}: {error.errcode}")
        else:
            result = "not_friend" if error.errcode in (41048, 84061) else f"wecom_{error.errcode}"
            _give_up(batch, refs, store.FAILED, result)
            if counted and batch.target == "private":
                message_caps.forget_sends(batch_id, ids)
            not_friend = len(refs) if result == "not_friend" else 0
            results.save_batch_counts(batch, {"sent": 0, "not_friend": not_friend})
        return
    report.calls += 1
    report.batches += 1
    report.recipients += len(refs)
    store.save_due([batch])  # the msgid first: a re-run then finishes instead of giving up
    if counted and fail_list and batch.target == "private":
        message_caps.forget_sends(batch_id, fail_list)
    _finish(batch, refs, fail_list, now, report)


def _finish(
    batch: store.Due,
    refs: Sequence[Ref],
    fail_list: list[str],
    now: int,
    report: TickReport,
) -> None:
    """Record a sent batch: its members, the caps, the funnel row, the reminder; then hand
    it to the result polling."""
    if refs:
        _record_sent(batch, refs, fail_list, now, report)
    batch.status, batch.poll_until = store.POLLING, now + POLL_FOR_S
    batch.schedule(now + (0 if batch.target == "moment" else POLL_EVERY_S))
    store.save_due([batch])


def _record_sent(
    batch: store.Due,
    refs: Sequence[Ref],
    fail_list: list[str],
    now: int,
    report: TickReport,
) -> None:
    batch_id = batch.pk.removeprefix("batch#")
    failed = set(fail_list)
    sent = 0
    for members in _members(refs):
        for member in members:
            if member.contact_id in failed:
                member.status, member.result = store.FAILED, "not_friend"
            else:
                member.status, member.sent_at = store.SENT, now
        store.save_due(members)
        if batch.target == "private":
            message_caps.record_sends(
                batch_id, [str(m.contact_id) for m in members if m.status == store.SENT], now, now
            )
        sent += sum(m.status == store.SENT for m in members)
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


def _give_up(batch: store.Due, refs: Sequence[Ref], status: str, result: str) -> None:
    for members in _members(refs):
        for member in members:
            member.status, member.result = status, result
            member.schedule(None)
        store.save_due(members)
    _close(batch, status)


def _close(batch: store.Due, status: str) -> None:
    batch.status = status
    batch.schedule(None)
    store.save_due([batch])


def _cursor(item: store.Row | None, now: int) -> tuple[str, list[str]]:
    """The hour to read from, and the batches an earlier run left filling (``item``: the
    stored cursor)."""
    latest = store.bucket(now - LOOKBACK_S)
    if item is None or not item.value:
        return store.bucket(now - FIRST_LOOKBACK_S), []
    filling = list((item.body or {}).get("filling") or [])
    return min(item.value, latest), filling


def _save_cursor(stored: store.Row | None, value: str, filling: Sequence[str] = ()) -> None:
    """Store the cursor, unless it is the one stored (an idle tick within the hour)."""
    row = store.Row(
        CURSOR[0], CURSOR[1], value=value, body={"filling": list(filling)} if filling else None
    )
    if stored is None or (stored.value, stored.body or None) != (row.value, row.body):
        store.put(row)
