"""Order, points, tier, delivery and deletion signals move the daily counters once each,
and a report over those counters puts each order on its Asia/Shanghai day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.reports import aggregates, handlers, service, store
from chalicelib.reports.aggregates import Loss
from chalicelib.reports.models import ReportRequest, Sources
from chalicelib.signals import MessageDelivered, PointsChanged, TierChanged
from tests.integration.reports.conftest import at, order

ZONE = "Asia/Shanghai"


def no_wecom(period: Any, staff: Any) -> Sources:
    return Sources()


def test_an_order_counts_once_however_often_its_signals_arrive(aws: None) -> None:
    paid = order("shop:1", "paid", "2026-03-01 10:00", code="spring")
    handlers.on_order_changed(paid)
    handlers.on_order_changed(paid)  # the publisher's retry
    handlers.on_order_changed(order("shop:1", "completed", "2026-03-01 10:00", code="spring"))
    rows = store.day_rows("2026-03-01")
    assert rows["total"] == {"orders": 1, "first_orders": 1, "gmv_cents": 10_000}
    assert rows["channel#poster"]["gmv_cents"] == 10_000
    assert rows["code#spring#poster"]["orders"] == 1

    refund = order("shop:1", "paid", "2026-03-01 10:00", refunded=2_500, at=at("2026-03-03 09:00"))
    handlers.on_order_changed(refund)
    handlers.on_order_changed(refund)
    assert store.day_rows("2026-03-03")["total"] == {"refunded_cents": 2_500}


def test_points_tiers_deliveries_and_lost_contacts_are_counted_once(aws: None) -> None:
    noon = at("2026-03-01 12:00")
    for _ in range(2):
        handlers.on_points_changed(PointsChanged("p1", "wmAlice", 200, "referral", 200, noon))
        handlers.on_points_changed(PointsChanged("p2", "wmAlice", -50, "redeem", 150, noon))
        handlers.on_points_changed(PointsChanged("p3", "wmAlice", 9000, "adjust", 9150, noon))
        handlers.on_tier_changed(TierChanged("t1", "wmAlice", None, "silver", noon))
        handlers.on_message_delivered(MessageDelivered("m1", "wmAlice", "p", "s1", "zs", noon))
        lost = Loss(noon, "customer", "poster", "", at("2026-02-20 08:00"), 9)
        store.apply_deltas_once("ev1#deletion", aggregates.loss_effect(lost, "zs", ZONE))
    rows = store.day_rows("2026-03-01")
    assert rows["total"] == {
        "points_issued": 200,
        "referral_points": 200,
        "referrals": 1,
        "points_adjusted_in": 9000,
        "points_redeemed": 50,
        "deliveries": 1,
    }
    assert rows["tier#silver"] == {"entered": 1}
    assert rows["sop#p#s1"] == {"deliveries": 1}
    assert rows["channel#poster"] == {
        "deletions_by_customer": 1,
        "retention_days_sum": 9,
        "retention_known": 1,
    }
    assert rows["staff#zs"] == {"deletions_by_customer": 1}
    assert store.day_rows("2026-02-20")["channel#poster"] == {"cohort_lost": 1}


def test_a_report_period_follows_shanghai_days_not_utc_days(aws: None) -> None:
    # 23:30 on 1 March and 00:30 on 2 March in Shanghai: both on 1 March in UTC
    handlers.on_order_changed(order("shop:a", "paid", "2026-03-01 23:30"))
    handlers.on_order_changed(
        order("shop:b", "paid", "2026-03-02 00:30", amount=5_000, first_order=False)
    )
    assert datetime.fromtimestamp(at("2026-03-02 00:30"), UTC).date() == date(2026, 3, 1)
    first = service.generate(ReportRequest(kind="daily", start=date(2026, 3, 1)), no_wecom)
    second = service.generate(ReportRequest(kind="daily", start=date(2026, 3, 2)), no_wecom)
    both = service.generate(
        ReportRequest(kind="custom", start=date(2026, 3, 1), end=date(2026, 3, 2)), no_wecom
    )
    assert (first.figures["orders"], first.figures["gmv_cents"]) == (1, 10_000)
    assert (second.figures["orders"], second.figures["repurchase_rate"]) == (1, 1.0)
    assert both.figures["orders"] == 2
    assert both.figures["repurchase_rate"] == 0.5
    assert both.figures["gmv_cents"] == 15_000


def test_a_stale_read_of_the_order_is_retried_not_counted_twice(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    handlers.on_order_changed(order("shop:9", "paid", "2026-03-01 10:00"))
    real = store.order_memo
    stale = iter([None])  # the refund's first read predates the payment's write
    monkeypatch.setattr(store, "order_memo", lambda key: next(stale, None) or real(key))
    handlers.on_order_changed(order("shop:9", "paid", "2026-03-01 10:00", refunded=2_500))
    rows = store.day_rows("2026-03-01")["total"]
    assert (rows["orders"], rows["gmv_cents"], rows["refunded_cents"]) == (1, 10_000, 2_500)


def test_a_published_order_reaches_the_aggregates_and_screening(aws: None) -> None:
    from chalicelib.screening import store as screening_store
    from chalicelib.signals import publish

    publish(order("shop:p", "paid", "2026-03-01 10:00", amount=4_200))
    assert store.day_rows("2026-03-01")["total"]["gmv_cents"] == 4_200
    rfm = screening_store.rfm_item("wmAlice")
    assert rfm is not None and (rfm.orders, rfm.spend_cents) == (1, 4_200)


def test_a_new_order_is_counted_without_reading_its_memo(aws: None) -> None:
    from benchmarks.requests import counting

    with counting() as tally:
        handlers.on_order_changed(order("shop:n", "paid", "2026-03-01 10:00"))
    assert tally.by_operation() == {"TransactWriteItems": 1}  # no GetItem of the memo
    assert store.day_rows("2026-03-01")["total"]["orders"] == 1


def test_an_order_seen_new_again_reads_its_memo_only_when_the_write_is_refused(
    aws: None,
) -> None:
    from benchmarks.requests import counting

    handlers.on_order_changed(order("shop:m", "paid", "2026-03-01 10:00"))
    # the same order, told as new again under another effect (tied to its contact later)
    again = order("shop:m", "paid", "2026-03-01 10:00", effect_id="shop:m:paid:0:wmAlice")
    with counting() as tally:
        handlers.on_order_changed(again)
    # refused (its memo exists), the memo read: nothing left to count
    assert tally.by_operation() == {"TransactWriteItems": 1, "GetItem": 1}
    assert store.day_rows("2026-03-01")["total"] == {
        "orders": 1,
        "first_orders": 1,
        "gmv_cents": 10_000,
    }


def test_a_refused_write_in_a_pass_is_heard_again_and_the_rest_committed(aws: None) -> None:
    from benchmarks.requests import counting
    from chalicelib.screening import store as screening_store
    from chalicelib.signals import publish

    publish(order("shop:q", "paid", "2026-03-01 10:00", amount=4_200))
    refunded = order(
        "shop:q", "paid", "2026-03-01 10:00", amount=4_200, refunded=200, at=at("2026-03-02 09:00")
    )
    with counting() as tally:
        publish(refunded)  # told as new: the reports' optimistic write is refused
    reads = [c.operation for c in tally.calls if any(t.endswith("-reports") for t in c.tables)]
    assert "GetItem" in reads  # heard again: the memo read, the refund counted at once
    assert store.day_rows("2026-03-01")["total"]["orders"] == 1
    assert store.day_rows("2026-03-02")["total"] == {"refunded_cents": 200}
    rfm = screening_store.rfm_item("wmAlice")
    assert rfm is not None and (rfm.orders, rfm.spend_cents) == (1, 4_000)  # the rest, once
