"""No customer falls between two ticks: a step already due when its customer is enrolled
(the add processed hours late) goes out at the next tick, or past SOP_MAX_LATENESS_S is
counted expired; the funnel accounts for every targeted customer."""

from __future__ import annotations

import pytest

from chalicelib.core.settings import reset_settings
from chalicelib.sop import planner, tick
from chalicelib.sop.planner import Subject
from chalicelib.sop.service import plan_funnel
from tests.integration.sop.conftest import Sim, local
from tests.integration.sop.plans import save, step

HOUR = 3600


def test_a_step_due_hours_before_a_late_enrolment_goes_out_at_the_next_tick(sim: Sim) -> None:
    plan = save("welcome", [step("d0", "Welcome", delay_minutes=0)])
    sim.befriend("zhangsan", ["wmOnTime", "wmLate"])
    morning = local("2026-11-23 10:00")
    planner.enrol(plan, Subject("wmOnTime", "zhangsan"), effect_id="e1", now=morning)
    assert tick.run(morning + 60).calls == 1
    for minutes in range(5, 6 * 60, 5):  # the tick runs every five minutes all day
        tick.run(morning + minutes * 60)
    # 16:00: an add from 10:05 is processed now (a requeued dead letter): due six hours ago
    late = local("2026-11-23 16:00")
    planner.enrol(
        plan, Subject("wmLate", "zhangsan"), effect_id="e2", now=late, start=morning + 300
    )
    report = tick.run(late + 300)
    assert report.calls == 1
    assert sim.mass_calls()[-1]["external_userid"] == ["wmLate"]
    [row] = plan_funnel("welcome").steps
    assert (row.targeted, row.sent, row.expired) == (2, 2, 0)


def test_a_step_due_longer_ago_than_the_staleness_limit_is_expired_and_counted(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOP_MAX_LATENESS_S", str(24 * HOUR))
    reset_settings()
    plan = save("stale", [step("d1", "Day one", day=1, at="09:30")])
    sim.befriend("zhangsan", ["wmStale"])
    added = local("2026-11-20 10:00")
    now = local("2026-11-23 16:00")  # processed three days late; day 1 was the 21st
    for minutes in range(0, 60, 5):
        tick.run(now - HOUR + minutes * 60)
    planner.enrol(plan, Subject("wmStale", "zhangsan"), effect_id="e", now=now, start=added)
    report = tick.run(now + 300)
    assert (report.calls, report.expired) == (0, 1)
    assert tick.run(now + 600).expired == 0  # once
    [row] = plan_funnel("stale").steps
    assert (row.targeted, row.sent, row.expired) == (1, 0, 1)
    assert sim.mass_calls() == []


def test_an_add_processed_after_its_deletion_enters_and_leaves_the_plan(sim: Sim) -> None:
    from chalicelib import signals
    from chalicelib.contacts.models import Contact, Relationship
    from chalicelib.sop import triggers
    from chalicelib.wecom.events import typed
    from chalicelib.wecom.inbound import parse_event
    from tests.support.fake_wecom_api import contact_event_xml

    save("bye", [step("d1", "Day one", day=1, at="09:30")], exit_on=["deleted"])
    event = typed(
        parse_event(
            contact_event_xml(
                "add_external_contact", "wmGone", "zhangsan", create_time=local("2026-11-23 10:00")
            )
        )
    )
    ended = Relationship(staff_userid="zhangsan", added_at=local("2026-11-23 10:00"))
    ended = ended.model_copy(update={"status": "ended", "ended_by": "customer"})
    contact = Contact(external_userid="wmGone", status="lost", relationships=[ended])
    assert triggers.on_contact_added(signals.ContactAdded(event.key, event, contact)) == 1  # type: ignore[arg-type]
    [row] = plan_funnel("bye").steps
    assert (row.targeted, row.exited) == (1, 1)  # as when the add came first
    assert tick.run(local("2026-11-24 09:35")).calls == 0
