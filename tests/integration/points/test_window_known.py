"""The points a tier's window counts, read from the ledger as the same processing pass just
read and wrote it: an order's points and then its tier cost one read of the account."""

from __future__ import annotations

import time

from benchmarks.requests import counting
from chalicelib import signals
from chalicelib.points import queries, service, store

SINCE = 0


def test_the_points_just_earned_are_counted_without_reading_the_account_again(
    aws: None,
) -> None:
    now = int(time.time())
    service.credit("wmW", "task#before", "task", 40, now, reason="before")
    with signals.processing_pass():
        read, entries = store.account_and_entries("wmW")
        assert read is not None and [e.amount for e in entries] == [40]
        service.credit("wmW", "task#now", "task", 60, now, reason="now", read=read)
        with counting() as window:
            assert queries.earned_since("wmW", SINCE) == 100
    assert window.requests == 0
    with counting() as outside:  # outside a pass nothing is known: the ledger is read
        assert queries.earned_since("wmW", SINCE) == 100
    assert outside.by_operation() == {"Query": 1}


def test_an_account_moved_by_anyone_else_or_a_lot_changed_is_read_again(aws: None) -> None:
    from concurrent.futures import ThreadPoolExecutor

    now = int(time.time())
    service.credit("wmV", "task#a", "task", 10, now, reason="a")
    with signals.processing_pass():
        read, _ = store.account_and_entries("wmV")
        with ThreadPoolExecutor(1) as other:  # another unit of work moves the account
            other.submit(service.credit, "wmV", "task#b", "task", 20, now, reason="b").result()
        service.credit("wmV", "task#c", "task", 5, now, reason="c", read=read)  # refused, again
        with counting() as after_conflict:
            assert queries.earned_since("wmV", SINCE) == 35
        assert after_conflict.by_operation() == {"Query": 1}  # the conflict forgot it

        store.account_and_entries("wmV")
        service.reverse("wmV", "task#c", 5, "shop:x", now)  # a lot changed: read again
        with counting() as after_reversal:
            assert queries.earned_since("wmV", SINCE) == 30
        assert after_reversal.by_operation() == {"Query": 1}


def _paid(order_id: str) -> signals.OrderChanged:
    now = int(time.time())
    return signals.OrderChanged(
        effect_id=f"order#shop:{order_id}#paid",
        order_key=f"shop:{order_id}",
        contact_id="wmO",
        status="paid",
        previous_status=None,
        amount_cents=5_000,
        refunded_cents=0,
        currency="CNY",
        ordered_at=now,
        at=now,
        first_order=False,
        paid=True,
    )


def test_an_order_reads_the_entries_with_the_account_only_when_a_tier_counts_points(
    aws: None,
) -> None:
    from chalicelib.membership import service as membership
    from chalicelib.membership.models import TierConfig

    def points_reads(order_id: str) -> list[str]:
        with counting() as tally, signals.processing_pass():
            service.settle_order(_paid(order_id))
        return [
            c.operation
            for c in tally.calls
            if c.tables[0].endswith("-points") and c.operation != "TransactWriteItems"
        ]

    service.kept_rules()  # the earning rules, kept from here on
    assert points_reads("1") == ["GetItem"]  # no tier levels: the account alone
    by_points = {"levels": [{"name": "member"}, {"name": "silver", "min_points": 100}]}
    membership.put_config(TierConfig.model_validate(by_points), "admin")
    assert points_reads("2") == ["Query"]  # the account with its entries, for the window
