"""Caps and quiet hours defer, exits stop routes, results feed the funnel and orders."""

from __future__ import annotations

import pytest

from chalicelib import signals
from chalicelib.contacts.models import Contact
from chalicelib.sop import planner, store, tick, triggers
from chalicelib.sop.planner import Subject
from chalicelib.sop.service import plan_funnel
from chalicelib.wecom.events import ContactChange
from tests.integration.sop.conftest import Sim, local
from tests.integration.sop.plans import save, step


def order(contact: str, at: int, *, cents: int = 9900, key: str = "shop:1") -> signals.OrderChanged:
    return signals.OrderChanged(
        effect_id=f"order#{key}#paid",
        order_key=key,
        contact_id=contact,
        status="paid",
        previous_status="pending",
        amount_cents=cents,
        refunded_cents=0,
        currency="CNY",
        ordered_at=at,
        at=at,
        first_order=True,
    )


@pytest.mark.usefixtures("one_a_day")
def test_capped_customers_are_deferred_then_sent(sim: Sim) -> None:
    a = save("plan-a", [step("s", "From A", delay_minutes=0)])
    b = save("plan-b", [step("s", "From B", delay_minutes=0)])
    sim.befriend("zhangsan", ["wmCap"])
    now = local("2026-11-23 20:00")
    planner.enrol(a, Subject("wmCap", "zhangsan"), effect_id="a", now=now)
    planner.enrol(b, Subject("wmCap", "zhangsan"), effect_id="b", now=now)

    first = tick.run(now + 60)
    assert (first.calls, first.deferred) == (1, 1)
    assert [c["text"]["content"] for c in sim.mass_calls()] == ["From A"]
    # Quiet hours (22:00-08:00): nothing goes out, the deferred step waits.
    assert tick.run(local("2026-11-23 23:00")).calls == 0
    assert tick.run(local("2026-11-24 07:59")).calls == 0
    assert tick.run(local("2026-11-24 08:00")).calls == 1
    assert [c["text"]["content"] for c in sim.mass_calls()] == ["From A", "From B"]
    assert plan_funnel("plan-b").steps[0].deferred == 1
    assert plan_funnel("plan-b").steps[0].sent == 1


def test_quiet_hours_hold_a_due_step_until_morning(sim: Sim) -> None:
    plan = save("night", [step("s", "Hi", delay_minutes=0)])
    sim.befriend("zhangsan", ["wmNight"])
    planner.enrol(
        plan, Subject("wmNight", "zhangsan"), effect_id="n", now=local("2026-11-23 23:30")
    )
    assert tick.run(local("2026-11-23 23:35")).quiet
    assert sim.mass_calls() == []
    assert tick.run(local("2026-11-24 08:05")).calls == 1


def test_an_order_stops_the_route_of_a_plan_that_exits_on_order(sim: Sim) -> None:
    plan = save(
        "nurture",
        [step("d1", "Day 1", day=1, at="10:00"), step("d3", "Day 3", day=3, at="10:00")],
        exit_on=["order", "deleted"],
    )
    sim.befriend("zhangsan", ["wmBuyer"])
    planner.enrol(
        plan, Subject("wmBuyer", "zhangsan"), effect_id="e", now=local("2026-11-23 12:00")
    )
    assert tick.run(local("2026-11-24 10:00")).calls == 1

    signals.publish(order("wmBuyer", local("2026-11-24 12:00")))
    signals.publish(order("wmBuyer", local("2026-11-24 12:00")))  # delivered twice

    assert tick.run(local("2026-11-26 10:00")).calls == 0
    assert len(sim.mass_calls()) == 1
    funnel = {row.step_id: row for row in plan_funnel("nurture").steps}
    assert funnel["d3"].exited == 1


def test_no_order_after_add_checks_are_cancelled_by_an_order(sim: Sim) -> None:
    plan = save(
        "no-order",
        [step("nudge", "Still thinking?", day=0, at="10:00")],
        trigger={"kind": "no_order_after_add", "days": 3},
    )
    sim.befriend("zhangsan", ["wmQuick", "wmSlow"])
    added = local("2026-11-23 09:00")
    for contact in ("wmQuick", "wmSlow"):
        planner.enrol(plan, Subject(contact, "zhangsan"), effect_id=contact, now=added)
    signals.publish(order("wmQuick", local("2026-11-24 09:00")))

    assert tick.run(local("2026-11-26 09:59")).calls == 0
    assert tick.run(local("2026-11-26 10:00")).calls == 1
    [call] = sim.mass_calls()
    assert call["external_userid"] == ["wmSlow"]


def test_deleting_the_customer_stops_their_route(sim: Sim) -> None:
    plan = save("gone", [step("d1", "Day 1", day=1, at="10:00")])
    contact = Contact(external_userid="wmGone", name="Gone")
    added = ContactChange.model_validate(
        {
            "key": "k1",
            "ChangeType": "add_external_contact",
            "UserID": "zhangsan",
            "ExternalUserID": "wmGone",
        }
    )
    assert triggers.on_contact_added(signals.ContactAdded(added.key, added, contact)) == 1
    assert triggers.on_contact_added(signals.ContactAdded(added.key, added, contact)) == 0  # again
    deleted = ContactChange.model_validate(
        {
            "key": "k2",
            "ChangeType": "del_follow_user",
            "UserID": "zhangsan",
            "ExternalUserID": "wmGone",
        }
    )
    triggers.on_contact_deleted(signals.ContactDeleted(deleted.key, deleted, None, "customer"))
    assert plan.id == "gone"
    assert tick.run(local("2026-11-30 10:00")).calls == 0
    [item] = store.contact_items("wmGone")
    assert (item.status, item.result) == (store.CANCELLED, "exit_deleted")


def test_results_make_the_funnel_and_orders_credit_the_step(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    heard: list[signals.MessageDelivered] = []
    monkeypatch.setitem(signals.SUBSCRIBERS, signals.MessageDelivered, ("probe:hear",))
    monkeypatch.setitem(signals._resolved, "probe:hear", heard.append)
    plan = save("funnel", [step("s", "Offer", delay_minutes=0)])
    sim.befriend("zhangsan", ["wmF1", "wmF2"])
    now = local("2026-11-23 10:00")
    for contact in ("wmF1", "wmF2", "wmStranger"):
        planner.enrol(plan, Subject(contact, "zhangsan"), effect_id=contact, now=now)
    sim.sim.control("POST", "config", {"msg_dispatch_s": 3600}, {})

    assert tick.run(now + 60).calls == 1
    [call] = sim.log("externalcontact/add_msg_template")
    msgid = call["answer"]["msgid"]
    tick.run(now + 60 + 600)  # WeCom still dispatching (41063): asked again later
    assert heard == []
    sim.sim.control("POST", "config", {"msg_dispatch_s": 0}, {})
    sim.sim.control(
        "POST", "customers/delete_member", {"userid": "zhangsan", "external_userid": "wmF2"}, {}
    )
    sim.confirm(msgid)
    tick.run(now + 60 + 1200)
    tick.run(now + 60 + 1800)

    assert [(h.contact_id, h.plan_id, h.step_id) for h in heard] == [("wmF1", "funnel", "s")]
    row = plan_funnel("funnel").steps[0]
    assert (row.targeted, row.sent, row.delivered) == (3, 2, 1)
    assert (row.failed_not_friend, row.senders_confirmed, row.confirmation_rate) == (2, 1, 1.0)

    delivered_at = heard[0].at
    signals.publish(order("wmF1", delivered_at + 3600, cents=12_800, key="shop:9"))
    signals.publish(order("wmF1", delivered_at + 3600, cents=12_800, key="shop:9"))
    signals.publish(order("wmF1", delivered_at + 30 * 86_400, cents=500, key="shop:10"))
    row = plan_funnel("funnel").steps[0]
    assert (row.orders, row.gmv_cents, row.conversion_rate) == (1, 12_800, 1.0)


@pytest.mark.usefixtures("one_a_day")
def test_a_batch_that_let_go_of_its_members_still_counts_them_against_the_caps(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More is due than the tick keeps in memory: plan A's batch lets go of its members
    before plan B's rows are read, and a customer of both still gets one of them today."""
    monkeypatch.setattr(tick, "MAX_WAITING", 5)
    monkeypatch.setattr(tick, "PAGE", 4)
    a = save("plan-a", [step("s", "From A", delay_minutes=0)])
    b = save("plan-b", [step("s", "From B", delay_minutes=0)])
    both = [f"wmBoth{n}" for n in range(8)]
    sim.befriend("zhangsan", both)
    now = local("2026-11-23 10:00")
    planner.plan_step_for_many(
        planner.Route.of(a), a.steps[0], [Subject(c, "zhangsan") for c in both], start=now, now=now
    )
    later = now + 3600  # the next hour's rows, read after plan A's batch let go
    planner.plan_step_for_many(
        planner.Route.of(b),
        b.steps[0],
        [Subject(c, "zhangsan") for c in both],
        start=later,
        now=now,
    )

    report = tick.run(later + 60)
    assert (report.recipients, report.deferred) == (8, 8)
    received = [c for call in sim.mass_calls() for c in call["external_userid"]]
    assert sorted(received) == both  # each once, whichever plan came first
