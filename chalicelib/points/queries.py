"""What other contexts may read of points: plain functions returning plain values."""

from __future__ import annotations

from collections.abc import Sequence


def balances(contact_ids: Sequence[str]) -> dict[str, int]:
    """Points balances of the contacts that have an account (BatchGetItem)."""
    from chalicelib.points import store

    return store.balances(contact_ids)


def earned_since(contact_id: str, since: int) -> int:
    """Points credited since ``since`` (epoch s), net of what was reversed (tier
    qualification): from the ledger as this processing pass just read and wrote it (an
    order's points, then its tier), else one Query of the account."""
    return sum(points for _, points in credits_since(contact_id, since))


def credits_since(contact_id: str, since: int) -> list[tuple[int, int]]:
    """``(at, points)`` of every credit since ``since`` (epoch s), each net of what was
    reversed, oldest first: from the ledger as this processing pass just read and wrote
    it, else one Query of the account."""
    from chalicelib.points import store

    entries = store.known_entries(contact_id)
    if entries is None:
        entries = store.entries(contact_id)
    return [
        (e.at, (e.amount or 0) - e.reversed)
        for e in entries
        if e.amount is not None and e.at >= since
    ]


def referrer_of(contact_id: str) -> str | None:
    """The contact whose referral code brought ``contact_id``, if any."""
    from chalicelib.points.service import referrer_of as find

    return find(contact_id)
