"""Due steps go out once, at the right local time, in as few WeCom calls as allowed."""

from __future__ import annotations

import pytest

from chalicelib.sop import planner, store, tick
from chalicelib.sop.planner import Subject
from chalicelib.sop.service import plan_funnel
from tests.integration.sop.conftest import Sim, local
from tests.integration.sop.plans import save, step


def test_a_day_n_step_fires_once_at_its_local_time(sim: Sim) -> None:
    plan = save("welcome", [step("day1", "Hi from {staff}, day one", day=1, at="09:30")])
    sim.befriend("zhangsan", ["wmAlice"])
    added = local("2026-11-23 15:00")
    assert planner.enrol(plan, Subject("wmAlice", "zhangsan"), effect_id="e1", now=added)
    # A second delivery of the same trigger does not enter the plan again.
    assert not planner.enrol(plan, Subject("wmAlice", "zhangsan"), effect_id="e2", now=added)

    assert tick.run(local("2026-11-24 09:29")).calls == 0
    assert sim.mass_calls() == []
    assert tick.run(local("2026-11-24 09:30")).calls == 1
    assert tick.run(local("2026-11-24 09:35")).calls == 0
    assert tick.run(local("2026-11-25 09:30")).calls == 0

    [call] = sim.mass_calls()
    assert call["sender"] == "zhangsan"
    assert call["external_userid"] == ["wmAlice"]
    assert call["text"]["content"] == "Hi from zhangsan, day one"
    [reminder] = sim.log("message/send")
    assert reminder["body"]["touser"] == "zhangsan"
    assert "welcome" in reminder["body"]["text"]["content"]
    [row] = plan_funnel("welcome").steps
    assert (row.targeted, row.sent) == (1, 1)


def test_a_day_0_time_already_past_goes_out_at_the_next_tick(sim: Sim) -> None:
    plan = save("late", [step("d0", "Welcome", day=0, at="10:00")])
    sim.befriend("zhangsan", ["wmLate"])
    planner.enrol(plan, Subject("wmLate", "zhangsan"), effect_id="e", now=local("2026-11-23 16:00"))
    assert tick.run(local("2026-11-23 16:05")).calls == 1


def test_a_tick_run_again_after_a_crash_sends_nothing_twice(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = save("crash", [step("s", "Hello", delay_minutes=0)])
    ids = [f"wmC{n}" for n in range(3)]
    sim.befriend("zhangsan", ids)
    now = local("2026-11-23 10:00")
    for contact in ids:
        planner.enrol(plan, Subject(contact, "zhangsan"), effect_id=contact, now=now)

    real = tick._record_sent

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the process died after WeCom answered")

    monkeypatch.setattr(tick, "_record_sent", crash)
    with pytest.raises(RuntimeError):
        tick.run(now + 60)
    assert len(sim.mass_calls()) == 1

    monkeypatch.setattr(tick, "_record_sent", real)
    report = tick.run(now + 120)
    assert report.calls == 0
    assert len(sim.mass_calls()) == 1
    # The re-run finished the bookkeeping: the customers are recorded as sent.
    assert {i.status for i in store.contact_items(ids[0])} == {store.SENT}
    assert tick.run(now + 180).calls == 0


def test_a_crash_between_claim_and_answer_is_never_sent_again(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = save("lost", [step("s", "Hello", delay_minutes=0)])
    sim.befriend("zhangsan", ["wmLost"])
    now = local("2026-11-23 10:00")
    planner.enrol(plan, Subject("wmLost", "zhangsan"), effect_id="x", now=now)

    from chalicelib.messaging import sending

    def died(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the process died while WeCom was being called")

    monkeypatch.setattr(sending, "send_to_customers", died)
    with pytest.raises(RuntimeError):
        tick.run(now + 60)
    monkeypatch.undo()

    report = tick.run(now + 120)
    assert report.calls == 0 and report.unconfirmed == 1
    assert sim.mass_calls() == []
    [item] = store.contact_items("wmLost")
    assert item.status == store.UNCONFIRMED


def test_a_tick_out_of_time_resumes_where_it_stopped(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tick reads a page at a time; a run whose budget is spent stops reading, and the
    next one starts again from that hour: nothing lost, nothing twice."""
    monkeypatch.setattr(tick, "PAGE", 7)
    monkeypatch.setattr(tick, "BATCH_SIZE", {**tick.BATCH_SIZE, "private": 10})
    plan = save("paged", [step("s", "Hello from {staff}", delay_minutes=0)])
    contacts = [f"wmPaged{n:03d}" for n in range(45)]
    sim.befriend("zhangsan", contacts)
    now = local("2026-11-23 10:00")
    subjects = [Subject(c, "zhangsan") for c in contacts]
    planner.plan_step_for_many(planner.Route.of(plan), plan.steps[0], subjects, start=now, now=now)

    stopped = tick.run(now + 60, budget_s=0)
    assert (stopped.complete, stopped.read, stopped.calls) == (False, 0, 0)
    monkeypatch.setattr(tick.Run, "out_of_time", lambda self: self.report.read >= 14)
    part = tick.run(now + 120)  # two pages or so, then out of time: its open batch waits
    assert not part.complete and 0 < part.read < 45
    monkeypatch.setattr(tick.Run, "out_of_time", lambda self: False)
    rest = tick.run(now + 180)  # fills on the batch left open
    assert rest.complete
    assert part.calls + rest.calls == 5  # ceil(45 / 10) however the runs were cut
    calls = sim.mass_calls()
    recipients = [c for call in calls for c in call["external_userid"]]
    assert sorted(recipients) == contacts  # everybody once
    assert {call["text"]["content"] for call in calls} == {"Hello from zhangsan"}
    assert tick.run(now + 240).calls == 0


def test_batches_beyond_what_memory_holds_still_go_out_one_call_per_sender(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More recipients wait than the tick keeps in memory: the largest batches let go of
    their members and read them back from the index when they go out, so every sender's
    customers still take ceil(n / batch) calls, each customer once."""
    monkeypatch.setattr(tick, "PAGE", 7)
    monkeypatch.setattr(tick, "MAX_WAITING", 30)
    monkeypatch.setattr(tick, "BATCH_SIZE", {**tick.BATCH_SIZE, "private": 50})
    plan = save("spilled", [step("s", "Hello from {staff}", delay_minutes=0)])
    now = local("2026-11-23 10:00")
    everyone: list[str] = []
    subjects = []
    for sender in ("zhangsan", "lisi", "wangwu"):
        contacts = [f"wm{sender}{n:03d}" for n in range(40)]
        sim.befriend(sender, contacts)
        everyone += contacts
        subjects += [Subject(c, sender) for c in contacts]
    planner.plan_step_for_many(planner.Route.of(plan), plan.steps[0], subjects, start=now, now=now)

    report = tick.run(now + 60)
    assert report.complete and report.recipients == 120
    calls = sim.mass_calls()
    assert len(calls) == report.calls == 3  # one per sender: 40 each, batches of 50
    assert sorted(c for call in calls for c in call["external_userid"]) == sorted(everyone)
    assert tick.run(now + 120).calls == 0


def test_a_batch_whose_members_the_index_does_not_show_yet_goes_out_next_run(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading a batch's members back, the index may lag behind its newest writes: the
    batch is then left open, and the next run fills it on and sends it, nobody twice."""
    monkeypatch.setattr(tick, "MAX_WAITING", 10)
    monkeypatch.setattr(tick, "SPILL_WAIT_S", 0.0)
    plan = save("lagging", [step("s", "Hello from {staff}", delay_minutes=0)])
    now = local("2026-11-23 10:00")
    contacts = [f"wmLag{n:03d}" for n in range(25)]
    sim.befriend("zhangsan", contacts)
    subjects = [Subject(c, "zhangsan") for c in contacts]
    planner.plan_step_for_many(planner.Route.of(plan), plan.steps[0], subjects, start=now, now=now)
    real = tick._batched_refs
    monkeypatch.setattr(tick, "_batched_refs", lambda batch_id: real(batch_id)[:-1])

    first = tick.run(now + 60)
    assert first.calls == 0 and sim.mass_calls() == []  # left open for the next run
    monkeypatch.setattr(tick, "_batched_refs", real)
    second = tick.run(now + 120)
    assert second.calls == 1
    [call] = sim.mass_calls()
    assert sorted(call["external_userid"]) == contacts
