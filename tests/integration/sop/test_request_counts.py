"""What an SOP enrolment, a deferral, an exit and a conversion cost, request by request:
each is one transaction (a re-run of it one refused transaction, nothing counted twice)."""

from __future__ import annotations

import pytest

from benchmarks.requests import counting
from chalicelib import signals
from chalicelib.sop import planner, store, tick, triggers
from chalicelib.sop.planner import Subject
from chalicelib.sop.service import plan_funnel
from tests.integration.sop.conftest import Sim, local
from tests.integration.sop.plans import save, step


def test_an_enrolment_is_one_transaction_and_entering_again_one_refused(sim: Sim) -> None:
    plan = save("two", [step("a", "A", delay_minutes=5), step("b", "B", day=1, at="10:00")])
    now = local("2026-11-23 12:00")
    with counting() as first:
        assert planner.enrol(plan, Subject("wmOne", "zhangsan"), effect_id="e", now=now)
    with counting() as again:
        assert not planner.enrol(plan, Subject("wmOne", "zhangsan"), effect_id="e", now=now)
    assert first.by_operation() == again.by_operation() == {"TransactWriteItems": 1}
    assert [row.targeted for row in plan_funnel("two").steps] == [1, 1]


@pytest.mark.usefixtures("one_a_day")
def test_a_deferral_is_one_transaction_with_its_count(sim: Sim) -> None:
    a = save("plan-a", [step("s", "From A", delay_minutes=0)])
    b = save("plan-b", [step("s", "From B", delay_minutes=0)])
    sim.befriend("zhangsan", ["wmCap"])
    now = local("2026-11-23 20:00")
    planner.enrol(a, Subject("wmCap", "zhangsan"), effect_id="a", now=now)
    planner.enrol(b, Subject("wmCap", "zhangsan"), effect_id="b", now=now)
    with counting() as run:
        assert tick.run(now + 60).deferred == 1
    assert run.by_operation()["TransactWriteItems"] == 1  # the deferral and its count
    assert plan_funnel("plan-b").steps[0].deferred == 1


def test_an_exit_is_one_query_and_a_transaction_per_pending_step(sim: Sim) -> None:
    plan = save(
        "nurture",
        [step("d1", "Day 1", day=1, at="10:00"), step("d3", "Day 3", day=3, at="10:00")],
        exit_on=["order"],
    )
    planner.enrol(
        plan, Subject("wmBuyer", "zhangsan"), effect_id="e", now=local("2026-11-23 12:00")
    )
    with counting() as exit_:
        assert triggers.exit_routes("wmBuyer", "order") == 2
    with counting() as again:
        assert triggers.exit_routes("wmBuyer", "order") == 0
    assert exit_.by_operation() == {"Query": 1, "TransactWriteItems": 2}
    assert again.by_operation() == {"Query": 1}
    assert [row.exited for row in plan_funnel("nurture").steps] == [1, 1]


def test_a_conversion_is_counted_once_in_one_transaction(sim: Sim) -> None:
    plan = save("buy", [step("s", "Buy", delay_minutes=0)])
    sim.befriend("zhangsan", ["wmPaid"])
    now = local("2026-11-23 12:00")
    planner.enrol(plan, Subject("wmPaid", "zhangsan"), effect_id="e", now=now)
    tick.run(now + 60)
    [call] = sim.log("externalcontact/add_msg_template")
    sim.confirm(call["answer"]["msgid"])
    tick.run(now + 60 + 600)
    tick.run(now + 60 + 1200)
    [delivered] = store.contact_items("wmPaid")
    assert delivered.status == store.DELIVERED and delivered.delivered_at is not None
    paid_at = delivered.delivered_at + 3600
    paid = signals.OrderChanged(
        effect_id="order#shop:1#paid",
        order_key="shop:1",
        contact_id="wmPaid",
        status="paid",
        previous_status="pending",
        amount_cents=9900,
        refunded_cents=0,
        currency="CNY",
        ordered_at=paid_at,
        at=paid_at,
        first_order=False,
    )
    with counting() as first:
        triggers.on_order_changed(paid)
    with counting() as again:
        triggers.on_order_changed(paid)
    assert first.by_operation()["TransactWriteItems"] == 1
    assert again.by_operation()["TransactWriteItems"] == 1  # refused by its marker
    funnel = plan_funnel("buy").steps[0]
    assert (funnel.orders, funnel.gmv_cents) == (1, 9900)


def test_a_paid_order_reads_the_due_items_only_when_some_plan_is_listed(aws: None) -> None:
    from chalicelib.sop.service import delete_plan

    paid = signals.OrderChanged(
        effect_id="order#shop:2#paid",
        order_key="shop:2",
        contact_id="wmNone",
        status="paid",
        previous_status=None,
        amount_cents=9900,
        refunded_cents=0,
        currency="CNY",
        ordered_at=local("2026-11-23 12:00"),
        at=local("2026-11-23 12:00"),
        first_order=False,
    )
    triggers.on_order_changed(paid)  # reads the listing once: kept afterwards
    with counting() as none_listed:
        triggers.on_order_changed(paid)
    assert none_listed.requests == 0  # no plan: no route to end, no step to credit

    plan = save("exits", [step("d1", "Day 1", day=1, at="10:00")], exit_on=["order"])
    planner.enrol(plan, Subject("wmNone", "zhangsan"), effect_id="e", now=local("2026-11-23 11:00"))
    with counting() as listed:
        triggers.on_order_changed(paid)
    assert listed.by_operation()["Query"] >= 1  # the due items (and the listing, saved here)
    assert [row.exited for row in plan_funnel("exits").steps] == [1]
    delete_plan("exits")
    triggers.on_order_changed(paid)  # the listing read again (deleted here)
    with counting() as deleted:
        triggers.on_order_changed(paid)
    assert deleted.requests == 0


def test_an_idle_tick_reads_and_writes_its_cursor_only_when_it_moves(sim: Sim) -> None:
    from chalicelib.sop import dated
    from chalicelib.sop.jobs import planning

    now = local("2026-11-23 12:00")
    tick.run(now)
    with counting() as idle:
        assert dated.start_due_plans(now + 300) == 0
        assert planning.plan_waiting(now + 300) == 0
        assert tick.run(now + 300).calls == 0
    # the plans' listing, the waiting broadcasts, the cursor, the hours' shard marks and
    # the due hours: reads only, the cursor is where it was
    assert set(idle.by_operation()) == {"Query", "GetItem"}
    with counting() as next_hour:
        tick.run(now + 3600)
    assert next_hour.by_operation()["PutItem"] == 1  # the cursor moves on
    with counting() as same_hour:
        tick.run(now + 3900)
    assert "PutItem" not in same_hour.by_operation()
