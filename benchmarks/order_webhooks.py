"""What one order webhook and its retry cost in DynamoDB, on the real DynamoDB Local.

A signed Shopify ``orders/paid`` for a known customer (tier levels set, points only; the
customer's second order, the common case), handled as the webhook Lambda does
(``orders.service.receive``) with every subscriber of its signals (SOP, reports,
screening, points, membership, directory), then the same delivery again (the provider's
retry). Every request is counted by :mod:`benchmarks.requests` with the capacity DynamoDB
Local says it consumed.

Figures (requests):

- the whole webhook, every table, against the goal of 10 requests. The floor the design
  allows is 9: eight reads and writes a later step depends on, then one commit. The
  delivery record (stored before anything is acted on), the order with the customer's
  first-order marker, the contact it is tied to, the order written (durable before it is
  told), screening's read (the order's memo with the contact's RFM item), the points
  account read with its entries, the ledger transaction, the tier; then ONE transaction
  in which the pass commits every read model's writes (the reports' order and points
  counters with their once-guards, screening's inputs, the directory's change marks, the
  delivery marked applied). Nothing reads the reports' memo of a new order (written on
  the condition it has none), the tier levels or the earning rules (kept in the
  container), the points in the tier window (the ledger as the pass just read and wrote
  it), the spend (no level has a spend threshold) or SOP's due items (no plan listed);
- the retried delivery, everything included: floor 1 request (one write of the delivery
  record answers it), goal exactly 1x.

The RCU/WCU of each are printed beside the figures.
"""

from __future__ import annotations

import json
import statistics
import time

from benchmarks.harness import Figure, on_local_stack

ORDERS = 20
WHOLE_GOAL = 10
RETRY_FLOOR = 1
SECRET = "shopify-secret-for-the-benchmark"  # noqa: S105 - the benchmark signs its own
LEVELS = {
    "window_days": 365,
    "levels": [{"name": "member"}, {"name": "silver", "min_points": 100}],
}


def run() -> list[Figure]:
    return on_local_stack(lambda stack: _measure())


def _known_customer(contact_id: str, now: int) -> None:
    from chalicelib.contacts import store as contacts

    contacts.ProfileItem(
        contacts.contact_pk(contact_id),
        contacts.PROFILE,
        external_userid=contact_id,
        first_channel="poster",
        first_added_at=now,
    ).save()
    contacts.RelationshipItem(
        contacts.contact_pk(contact_id),
        contacts.rel_sk("zhangsan"),
        external_userid=contact_id,
        staff_userid="zhangsan",
        channel="poster",
        code="s01",
        added_at=now,
    ).save()


def _delivery(order_id: int, contact_id: str) -> tuple[bytes, dict[str, str]]:
    from chalicelib.orders import signatures

    body = {
        "id": order_id,
        "total_price": "128.50",
        "currency": "CNY",
        "created_at": "2026-11-20T10:00:00+08:00",
        "financial_status": "paid",
        "note_attributes": [{"name": "external_userid", "value": contact_id}],
    }
    raw = json.dumps(body).encode()
    return raw, {
        "X-Shopify-Topic": "orders/paid",
        "X-Shopify-Webhook-Id": f"wh-{order_id}",
        "X-Shopify-Hmac-Sha256": signatures.shopify_signature(SECRET, raw),
    }


def _measure() -> list[Figure]:
    import os

    from benchmarks.requests import counting
    from chalicelib.membership import service as membership
    from chalicelib.membership.models import TierConfig
    from chalicelib.orders import service as orders
    from chalicelib.orders.signatures import SHOPIFY_WEBHOOK_SECRET

    os.environ[SHOPIFY_WEBHOOK_SECRET] = SECRET
    now = int(time.time())
    membership.put_config(TierConfig.model_validate(LEVELS), "bench")
    whole, retry = [], []
    read_units, write_units, retry_read, retry_write = [], [], [], []
    for n in range(ORDERS):
        contact_id = f"wmBench{n:04d}"
        _known_customer(contact_id, now)
        raw, headers = _delivery(10_000 + 2 * n, contact_id)
        orders.receive("shopify", headers, raw)  # the customer's first order
        raw, headers = _delivery(10_001 + 2 * n, contact_id)
        with counting() as first:
            orders.receive("shopify", headers, raw)
        with counting() as again:
            orders.receive("shopify", headers, raw)
        whole.append(first.requests)
        retry.append(again.requests)
        read_units.append(first.read_units)
        write_units.append(first.write_units)
        retry_read.append(again.read_units)
        retry_write.append(again.write_units)
    print(
        f"order webhook: {statistics.median(whole):.0f} requests in all, "
        f"{statistics.median(read_units):.1f} RCU, "
        f"{statistics.median(write_units):.1f} WCU; its retry: {statistics.median(retry):.0f} "
        f"request, {statistics.median(retry_read):.1f} RCU, "
        f"{statistics.median(retry_write):.1f} WCU (medians of {ORDERS})"
    )
    return [
        Figure(
            "order webhook: all its requests (paid, known customer)",
            statistics.median(whole),
            WHOLE_GOAL,
            1.0,
            "goal 10 requests (floor 9)",
            ORDERS,
            unit="req",
        ),
        Figure(
            "order webhook: requests of a retried delivery",
            statistics.median(retry),
            RETRY_FLOOR,
            1.0,
            "1 request",
            ORDERS,
            unit="req",
        ),
    ]
