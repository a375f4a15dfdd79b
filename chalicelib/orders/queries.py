"""What other contexts may read of orders: plain functions returning plain values."""

from __future__ import annotations


def spend_since(contact_id: str, since: int) -> int:
    """What the contact paid, net of refunds, for orders placed since ``since`` (epoch s)."""
    from chalicelib.orders.service import spend_since as spent

    return spent(contact_id, since)
