"""The frequency caps as senders use them (SOP steps, broadcasts): each customer's recent
mass messages, and a sent batch counted against its customers (once per batch)."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.messaging import store


def sent_times(contact_ids: Iterable[str]) -> dict[str, list[int]]:
    """Each contact's recent send times (contacts never sent to are absent)."""
    return store.sent_times(contact_ids)


def record_sends(batch_id: str, contact_ids: Iterable[str], at: int, now: int) -> None:
    """Count batch ``batch_id`` against each contact's caps (idempotent per batch)."""
    store.record_sends(batch_id, contact_ids, at, now)


def forget_sends(batch_id: str, contact_ids: Iterable[str]) -> None:
    """Take batch ``batch_id`` back from each contact's caps (it did not reach them)."""
    store.forget_sends(batch_id, contact_ids)
