"""What one context tells the others: domain signals, and the one table of who hears them.

The rule between contexts: a context writes only its own tables, tells the others what
happened by publishing a signal here, and reads another context only through that
context's ``queries.py``.

A context publishes a signal *after* its own state is durable (an order saved, a ledger
entry written). Signals are drained from a queue in one processing pass, breadth first,
as a message bus does: a signal published while another is being handled waits until
every subscriber of the earlier ones has run. The pass belongs to the unit of work that
opened it (a callback, a webhook delivery, a job item): the first :func:`publish` outside
a pass opens one and drains it before returning; the callback pipeline opens its own with
:func:`processing_pass`, so an event's handler finishes before anyone hears of it.

An exception stops the pass and propagates to the unit of work, which is retried. The
pass remembers which subscriber finished which signal (``Pass.done``, keyed by
``effect_id``); a retry that hands that set back skips them, so a retried event re-runs
only what did not happen. A crash that loses the set re-runs everything: subscribers
stay idempotent per ``signal.effect_id`` (:func:`chalicelib.storage.once.apply_once`).

Deliveries queued one after another to subscribers listed in :data:`JOINED` under one
joint function are heard in one call of it (the timeline entries and the auto-tags of an
add: one write to the contacts table); each is done when the call returned and what it
published was heard, as if heard alone.

The writes of read models (the reports' counters, screening's order inputs, the
directory's change marks, an order delivery's "applied" mark) are kept by the pass and
committed when the queue is empty, together, in one TransactWriteItems
(:mod:`chalicelib.storage.staged`): each context builds the writes of its own tables, the
pass only commits them. A once-guard that reports "already applied" drops its writes
alone; writes refused on another condition run their subscriber again, writing at once.

Signals carry what their subscribers need (the stored contact, not its id), so one pass
reads the contact once. Subscribers are named as ``"module:function"`` and imported on
first publish, so a context's code loads only when a signal reaches it (cold start), and
no import cycle forms between contexts.
"""

from __future__ import annotations

import importlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from chalicelib.contacts.models import Contact, EndedBy
    from chalicelib.storage.staged import Batch
    from chalicelib.wecom.events import ChatChange, ContactChange

OrderStatus = Literal["pending", "paid", "completed", "refunded", "cancelled"]


@dataclass(frozen=True)
class OrderChanged:
    """An order moved (paid, completed, partly or fully refunded, cancelled), or was
    matched to a contact after the fact. Amounts are in the currency's minor unit."""

    effect_id: str
    order_key: str  # "<source>:<provider order id>"
    contact_id: str | None  # external_userid, None while unmatched
    status: OrderStatus
    previous_status: OrderStatus | None
    amount_cents: int  # what the customer paid
    refunded_cents: int  # refunded so far (cumulative)
    currency: str
    ordered_at: int  # epoch seconds of the order itself (not of this delivery)
    at: int  # epoch seconds of this change
    first_order: bool  # the contact's first paid order
    channel: str = ""  # the contact's acquisition channel, for per-channel aggregates
    code: str = ""  # the live code the contact came through
    paid: bool = False  # money was taken at some point (even if refunded or cancelled since)


@dataclass(frozen=True)
class PointsChanged:
    """A points ledger entry was written; ``delta`` is signed."""

    effect_id: str
    contact_id: str
    delta: int
    reason: str  # earn, refund, expire, redeem, adjust, task, referral, …
    balance: int  # after the entry
    at: int


@dataclass(frozen=True)
class TierChanged:
    effect_id: str
    contact_id: str
    previous_tier: str | None
    tier: str
    at: int


@dataclass(frozen=True)
class SegmentChanged:
    """Screening moved a contact to another segment, or set or cleared "high value"."""

    effect_id: str
    contact_id: str
    previous_segment: str | None
    segment: str
    high_value: bool
    score: float
    at: int


@dataclass(frozen=True)
class MessageDelivered:
    """A customer received an SOP step or a broadcast (per WeCom's send result)."""

    effect_id: str
    contact_id: str
    plan_id: str  # an SOP plan id or a broadcast id
    step_id: str
    sender: str  # staff userid
    at: int


@dataclass(frozen=True)
class CustomerTransferred:
    """WeCom completed a handover: the customer is now followed by ``takeover_userid``
    instead of ``handover_userid`` since ``at`` (WeCom's ``takeover_time``, epoch s)."""

    effect_id: str
    external_userid: str
    handover_userid: str
    takeover_userid: str
    at: int


@dataclass(frozen=True)
class ContactChanged:
    """A contact's stored profile or relationships changed: added, edited (remark, tags,
    phones) or a relationship ended. ``at`` is when it was stored."""

    effect_id: str
    contact_id: str
    at: int


@dataclass(frozen=True)
class GroupMembersChanged:
    """Customers joined or left a customer group."""

    effect_id: str
    chat_id: str
    member_ids: tuple[str, ...]
    at: int


@dataclass(frozen=True)
class ContactAdded:
    """Contacts stored an add (``add_external_contact`` / ``add_half_external_contact``):
    ``contact`` as stored afterwards (``None`` only if WeCom no longer knows it).
    ``moves_credits`` is False when the add is the latest fact of its relationship (it
    is active, added at the event's time): no deletion's credit moved to its channel, so
    the reports have nothing to settle."""

    effect_id: str
    event: ContactChange
    contact: Contact | None
    moves_credits: bool = True


@dataclass(frozen=True)
class ContactEdited:
    """Contacts stored an edit (remark, tags, phones refreshed from WeCom)."""

    effect_id: str
    event: ContactChange
    contact: Contact | None


@dataclass(frozen=True)
class ContactDeleted:
    """A relationship ended: by the staff member, by the customer, or by a transfer."""

    effect_id: str
    event: ContactChange
    contact: Contact | None
    by: EndedBy


@dataclass(frozen=True)
class GroupChanged:
    """Groups stored a customer group's change (created, members, dismissed)."""

    effect_id: str
    event: ChatChange


@dataclass(frozen=True)
class TimelineNoted:
    """Something a context did for a customer, for the customer's timeline (contacts keeps
    it): a welcome sent or refused, auto-tags refused, a group joined or left, a referral.
    One entry per ``(event_key, kind)``; ``at_ms`` is epoch milliseconds."""

    effect_id: str
    contact_id: str
    kind: str
    at_ms: int
    detail: dict[str, Any]
    event_key: str


@dataclass(frozen=True)
class TagsMarked:
    """Tags were marked on a relationship in WeCom (an add's auto-tags): contacts mirrors
    them and puts them on the timeline, in one write."""

    effect_id: str
    contact_id: str
    staff_userid: str
    tag_ids: tuple[str, ...]
    at: int  # epoch seconds
    event_key: str


@dataclass(frozen=True)
class ContactFetched:
    """WeCom answered a customer with followers outside any event (handover's sync of a
    member's customers through ``batch/get_by_user``): contacts stores them."""

    effect_id: str
    external_contact: dict[str, Any]
    follow_users: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class LiveCodeSaved:
    """A live code was saved. Its welcome text and auto-tags (empty: none) live with the
    welcome messages and the tag rules, where every add already looks."""

    effect_id: str
    code: str
    welcome_text: str | None
    tag_ids: tuple[str, ...]
    by: str
    at: int


@dataclass(frozen=True)
class LiveCodeDeleted:
    effect_id: str
    code: str
    at: int


@dataclass(frozen=True)
class ReferralCredited:
    """A customer was added through another contact's referral code (``referrer``)."""

    effect_id: str  # the add's event key: one credit per add
    code: str
    referrer: str
    referred: str
    staff_userid: str
    at: int


Signal = (
    OrderChanged
    | PointsChanged
    | TierChanged
    | SegmentChanged
    | MessageDelivered
    | CustomerTransferred
    | ContactChanged
    | GroupMembersChanged
    | ContactAdded
    | ContactEdited
    | ContactDeleted
    | GroupChanged
    | TimelineNoted
    | TagsMarked
    | ContactFetched
    | LiveCodeSaved
    | LiveCodeDeleted
    | ReferralCredited
)

#: Who hears what, in order. Each entry is ``"<module>:<function>"`` taking the signal.
SUBSCRIBERS: dict[type[Any], tuple[str, ...]] = {
    OrderChanged: (
        "chalicelib.sop.triggers:on_order_changed",
        "chalicelib.reports.handlers:on_order_changed",
        "chalicelib.screening.handlers:on_order_changed",
        # Points before membership: the tier is evaluated once, on the points just earned.
        "chalicelib.points.handlers:on_order_changed",
        "chalicelib.membership.handlers:on_order_changed",
        "chalicelib.directory.handlers:on_order_changed",
    ),
    PointsChanged: (
        "chalicelib.reports.handlers:on_points_changed",
        "chalicelib.screening.handlers:on_points_changed",
        "chalicelib.membership.handlers:on_points_changed",
        "chalicelib.directory.handlers:on_points_changed",
    ),
    TierChanged: (
        "chalicelib.sop.triggers:on_tier_changed",
        "chalicelib.reports.handlers:on_tier_changed",
        "chalicelib.directory.handlers:on_tier_changed",
    ),
    SegmentChanged: (
        "chalicelib.sop.triggers:on_segment_changed",
        "chalicelib.directory.handlers:on_segment_changed",
    ),
    MessageDelivered: (
        "chalicelib.reports.handlers:on_message_delivered",
        "chalicelib.screening.handlers:on_message_delivered",
    ),
    CustomerTransferred: (
        "chalicelib.contacts.handlers:on_customer_transferred",
        "chalicelib.reports.handlers:on_customer_transferred",
    ),
    ContactChanged: ("chalicelib.directory.handlers:on_contact_changed",),
    GroupMembersChanged: ("chalicelib.directory.handlers:on_group_members_changed",),
    # The welcome first: its code lives 20 s.
    ContactAdded: (
        "chalicelib.welcome.handlers:on_contact_added",
        "chalicelib.tags.handlers:on_contact_added",
        "chalicelib.livecodes.handlers:on_contact_added",
        "chalicelib.sop.triggers:on_contact_added",
        "chalicelib.orders.handlers:on_contact_added",
        "chalicelib.points.handlers:on_contact_added",
        "chalicelib.reports.handlers:on_contact_added",
    ),
    ContactEdited: (
        "chalicelib.sop.triggers:on_contact_edited",
        "chalicelib.orders.handlers:on_contact_edited",
        "chalicelib.reports.handlers:on_contact_edited",
    ),
    ContactDeleted: (
        "chalicelib.handover.handlers:on_contact_deleted",
        "chalicelib.sop.triggers:on_contact_deleted",
        "chalicelib.reports.handlers:on_contact_deleted",
    ),
    GroupChanged: (
        "chalicelib.livecodes.handlers:on_group_changed",
        "chalicelib.sop.triggers:on_group_changed",
        "chalicelib.points.handlers:on_group_changed",
        "chalicelib.reports.handlers:on_group_changed",
    ),
    TimelineNoted: ("chalicelib.contacts.handlers:on_timeline_noted",),
    TagsMarked: ("chalicelib.contacts.handlers:on_tags_marked",),
    ContactFetched: ("chalicelib.contacts.handlers:on_contact_fetched",),
    LiveCodeSaved: (
        "chalicelib.welcome.handlers:on_live_code_saved",
        "chalicelib.tags.handlers:on_live_code_saved",
    ),
    LiveCodeDeleted: (
        "chalicelib.welcome.handlers:on_live_code_deleted",
        "chalicelib.tags.handlers:on_live_code_deleted",
    ),
    ReferralCredited: ("chalicelib.contacts.handlers:on_referral_credited",),
}

#: Subscribers whose deliveries, queued one after another, are heard together: in one
#: call of the joint function named, with the signals in queue order.
JOINED: dict[str, str] = {
    "chalicelib.contacts.handlers:on_timeline_noted": "chalicelib.contacts.handlers:on_noted",
    "chalicelib.contacts.handlers:on_tags_marked": "chalicelib.contacts.handlers:on_noted",
}

_resolved: dict[str, Callable[[Any], object]] = {}


def resolve(path: str) -> Callable[[Any], object]:
    """The function named by ``"module:function"`` (imported once)."""
    function = _resolved.get(path)
    if function is None:
        module_name, _, attribute = path.partition(":")
        function = getattr(importlib.import_module(module_name), attribute)
        _resolved[path] = function
    return function


@dataclass
class _Queued:
    signal: Signal
    parents: tuple[str, ...]  # the deliveries (``effect_id|subscriber``) that published it
    left: int = 0  # its subscribers not yet complete


def _mark(entry: _Queued, subscriber: str | None = None) -> str:
    """The delivery of ``entry`` to ``subscriber`` (its only one by default)."""
    path = subscriber or SUBSCRIBERS[type(entry.signal)][0]
    return f"{entry.signal.effect_id}|{path}"


def _joint(signal: Signal) -> str | None:
    """The joint function of the signal's one subscriber, if it is joined."""
    subscribers = SUBSCRIBERS.get(type(signal), ())
    return JOINED.get(subscribers[0]) if len(subscribers) == 1 else None


@dataclass
class Pass:
    """One processing pass: the queue of signals not yet heard, and what was done.

    A delivery (one subscriber hearing one signal) is *done* when the subscriber returned
    and every signal it published was heard in full (recursively): a retry skips it, so
    what it published must not be lost on the way.
    """

    done: set[str] = field(default_factory=set)
    queue: deque[_Queued] = field(default_factory=deque)
    delivered: int = 0
    #: The read models' writes kept until the queue is empty (:mod:`chalicelib.storage.staged`).
    batch: Batch | None = None
    _publishers: tuple[str, ...] = ()
    _open: dict[str, int] = field(default_factory=dict)  # delivery -> children not heard
    _returned: dict[str, _Queued] = field(default_factory=dict)
    _parents: dict[str, tuple[str, ...]] = field(default_factory=dict)  # delivery -> publishers

    def add(self, signal: Signal) -> None:
        parents = self._publishers
        subscribers = SUBSCRIBERS.get(type(signal), ())
        if not subscribers:
            return
        self.queue.append(_Queued(signal, parents, len(subscribers)))
        for parent in parents:
            self._open[parent] = self._open.get(parent, 0) + 1

    def drain(self) -> None:
        """Hear every queued signal, then commit the writes kept meanwhile (in one request
        where they allow it); the subscribers whose writes were refused run again, and
        what they publish is heard. On an error, the deliveries whose kept writes were not
        committed (and those that published them) are no longer done: a retry runs them."""
        try:
            while True:
                self._hear_queued()
                if self.batch is None:
                    return
                self.batch.commit()
                if self.batch.run_refused() or self.queue or self.batch.kept:
                    continue
                return
        except BaseException:
            self._forget_uncommitted()
            raise

    def _forget_uncommitted(self) -> None:
        if self.batch is None:
            return
        marks = list(self.batch.uncommitted())
        self.batch.discard()
        while marks:
            mark = marks.pop()
            if mark in self.done:
                self.done.discard(mark)
            marks.extend(p for p in self._parents.get(mark, ()) if p in self.done)

    def _hear_queued(self) -> None:
        while self.queue:
            entry = self.queue.popleft()
            joint = _joint(entry.signal)
            if joint is None:
                for path in SUBSCRIBERS.get(type(entry.signal), ()):
                    self._hear(path, [(_mark(entry, path), entry)], alone=True)
                continue
            group = [(_mark(entry), entry)]
            while self.queue and _joint(self.queue[0].signal) == joint:
                if _mark(self.queue[0]) in (mark for mark, _ in group):
                    break  # the same delivery again: heard (skipped) on its own
                following = self.queue.popleft()
                group.append((_mark(following), following))
            self._hear(joint, group, alone=False)

    def _hear(self, path: str, group: list[tuple[str, _Queued]], *, alone: bool) -> None:
        """Deliver the group's signals (one, or joined ones in a list) to ``path``, those
        not done already."""
        due = [(mark, entry.signal) for mark, entry in group if mark not in self.done]
        for mark, entry in group:
            self._parents[mark] = entry.parents
        if due:
            marks = self._publishers = tuple(mark for mark, _ in due)
            heard = [signal for _, signal in due]
            function = resolve(path)
            argument: Any = heard[0] if alone else heard

            def again() -> None:  # its kept writes were refused: read again, write at once
                self._publishers = marks
                try:
                    function(argument)
                finally:
                    self._publishers = ()

            try:
                if self.batch is None:
                    function(argument)
                else:
                    with self.batch.hearing(again, marks):
                        function(argument)
            finally:
                self._publishers = ()
            self.delivered += len(due)
        for mark, entry in group:
            self._returned[mark] = entry
            if not self._open.get(mark):
                self._complete(mark)

    def _complete(self, mark: str) -> None:
        self.done.add(mark)
        entry = self._returned.pop(mark)
        entry.left -= 1
        if entry.left:
            return
        for parent in entry.parents:
            self._open[parent] -= 1
            if not self._open[parent] and parent in self._returned:
                self._complete(parent)


_current: ContextVar[Pass | None] = ContextVar("signal_pass", default=None)


@contextmanager
def processing_pass(done: Iterable[str] = ()) -> Iterator[Pass]:
    """Open a pass: signals published inside the block are queued, and heard when the
    block ends without an error. ``done`` is what an earlier attempt of the same unit of
    work finished (its ``Pass.done``)."""
    outer = _current.get()
    if outer is not None:  # already inside a unit of work: it drains
        yield outer
        return
    from chalicelib.storage import staged

    current = Pass(done=set(done))
    token = _current.set(current)
    try:
        with staged.collecting() as current.batch:
            yield current
            current.drain()
    finally:
        _current.reset(token)


def publish(signal: Signal) -> None:
    """Queue ``signal`` for its subscribers (in the order listed), heard in this pass."""
    current = _current.get()
    if current is not None:
        current.add(signal)
        return
    with processing_pass() as opened:
        opened.add(signal)
