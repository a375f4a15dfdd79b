"""What other contexts may read of orders: plain functions returning plain values."""

from __future__ import annotations


def spend_since(contact_id: str, since: int) -> int:
    """What the contact paid, net of refunds, for orders placed since ``since`` (epoch s;
    one Query of the by_contact index)."""
    return sum(cents for _, cents in payments_since(contact_id, since))


def payments_since(contact_id: str, since: int) -> list[tuple[int, int]]:
    """``(ordered_at, cents)`` of every order placed since ``since`` (epoch s) and paid,
    net of refunds (cancelled orders count nothing; one Query of the by_contact index)."""
    from chalicelib.orders import states, store

    paid = []
    for item in store.orders_of(contact_id, since=since):
        order = store.order_of(item)
        if states.is_paid(order.facts) and order.status != "cancelled":
            paid.append((item.ordered_at, max(0, (order.amount_cents or 0) - order.refunded_cents)))
    return paid
