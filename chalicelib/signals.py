"""What one context tells the others: domain signals, and the one table of who hears them.

A context publishes a signal *after* its own state is durable (an order saved, a ledger
entry written). Subscribers run synchronously in the publisher's invocation, in the order
listed; an exception propagates to the publisher, whose event (a callback, a webhook
delivery, a job item) is then retried. So every subscriber must be idempotent per
``signal.effect_id`` (use :func:`chalicelib.storage.once.apply_once` / ``claim_once``).

Subscribers are named as ``"module:function"`` and imported on first publish, so a
context's code loads only when a signal reaches it (cold start), and no import cycle
forms between contexts.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

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


Signal = (
    OrderChanged
    | PointsChanged
    | TierChanged
    | SegmentChanged
    | MessageDelivered
    | ContactChanged
    | GroupMembersChanged
)

#: Who hears what, in order. Each entry is ``"<module>:<function>"`` taking the signal.
SUBSCRIBERS: dict[type[Any], tuple[str, ...]] = {
    OrderChanged: (
        "chalicelib.sop.triggers:on_order_changed",
        "chalicelib.reports.handlers:on_order_changed",
        "chalicelib.screening.handlers:on_order_changed",
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
    ContactChanged: ("chalicelib.directory.handlers:on_contact_changed",),
    GroupMembersChanged: ("chalicelib.directory.handlers:on_group_members_changed",),
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


def publish(signal: Signal) -> None:
    """Tell every subscriber of ``type(signal)``, in order."""
    for path in SUBSCRIBERS.get(type(signal), ()):
        resolve(path)(signal)
