"""What other contexts may read of screening: plain functions returning plain objects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ScreeningSummary:
    """A contact's segment and the order figures screening keeps on write."""

    contact_id: str
    segment: str | None
    high_value: bool
    spend_cents: int
    orders: int
    last_order_at: int | None


def segments() -> tuple[str, ...]:
    """Every segment name screening can give."""
    from chalicelib.screening.models import SEGMENTS

    return tuple(SEGMENTS)


def summaries(contact_ids: Sequence[str]) -> dict[str, ScreeningSummary]:
    """Contacts screening knows, by id (BatchGetItem, 100 keys a call)."""
    from chalicelib.screening import store

    found = store.rfm_items(contact_ids)
    return {
        contact_id: ScreeningSummary(
            contact_id=contact_id,
            segment=item.segment,
            high_value=bool(item.high_value),
            spend_cents=int(item.spend_cents or 0),
            orders=int(item.orders or 0),
            last_order_at=None if item.last_order_at is None else int(item.last_order_at),
        )
        for contact_id, item in found.items()
    }
