"""What the directory hears: every signal naming a contact marks it changed in the change
log, with what changed (its facet: the refresh reads again only that), which the refresh
job folds into the read model within minutes. Idempotent (the change log keeps one item
per contact, facet and minute)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.directory import store

if TYPE_CHECKING:
    from chalicelib import signals


def on_contact_changed(signal: signals.ContactChanged) -> None:
    store.touch([signal.contact_id], facet=store.CONTACTS)


def on_order_changed(signal: signals.OrderChanged) -> None:
    if signal.contact_id:
        store.touch([signal.contact_id], facet=store.ORDERS)


def on_points_changed(signal: signals.PointsChanged) -> None:
    store.touch([signal.contact_id], facet=store.POINTS)


def on_tier_changed(signal: signals.TierChanged) -> None:
    store.touch([signal.contact_id], facet=store.MEMBERSHIP)


def on_segment_changed(signal: signals.SegmentChanged) -> None:
    store.touch([signal.contact_id], facet=store.SCREENING)


def on_group_members_changed(signal: signals.GroupMembersChanged) -> None:
    store.touch(signal.member_ids, facet=store.GROUPS)
