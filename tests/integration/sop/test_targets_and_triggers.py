"""Group SOPs, Moments, date plans for a segment, and the tag trigger."""

from __future__ import annotations

import pytest

from chalicelib import signals
from chalicelib.contacts.models import Contact
from chalicelib.sop import dated, planner, tick, triggers
from chalicelib.sop.planner import Subject
from chalicelib.sop.service import plan_funnel
from chalicelib.wecom.events import ContactChange
from tests.integration.sop.conftest import Sim, local
from tests.integration.sop.plans import save, step
from wecom_simulator.state import GroupChat


def test_a_group_sop_sends_to_the_group_through_its_owner(sim: Sim) -> None:
    sim.sim.world.group_chats["wrMall"] = GroupChat("wrMall", "商场群", "zhangsan", 0)
    plan = save(
        "group-rules",
        [step("rules", "群规：请勿发广告", delay_minutes=5)],
        trigger={"kind": "group_created"},
        target="group",
    )
    created = local("2026-11-23 10:00")
    assert planner.enrol(plan, Subject("wrMall", "zhangsan"), effect_id="c", now=created)

    assert tick.run(created + 60).calls == 0
    assert tick.run(created + 300).calls == 1
    [call] = sim.mass_calls()
    assert (call["chat_type"], call["sender"], call["chat_id_list"]) == (
        "group",
        "zhangsan",
        ["wrMall"],
    )
    [reminder] = sim.log("message/send")
    assert "1 个客户群" in reminder["body"]["text"]["content"]


def test_a_moments_step_posts_once_per_sender_and_reads_its_result(sim: Sim) -> None:
    plan = save(
        "moments",
        [step("post", "新品上市", delay_minutes=0)],
        target="moment",
    )
    now = local("2026-11-23 10:00")
    planner.enrol(plan, Subject("zhangsan", "zhangsan"), effect_id="m", now=now)

    assert tick.run(now + 60).calls == 1
    [post] = sim.log("externalcontact/add_moment_task")
    assert post["body"]["visible_range"]["sender_list"]["user_list"] == ["zhangsan"]
    assert post["body"]["text"]["content"] == "新品上市"
    tick.run(now + 120)  # the job's result: done
    assert tick.run(now + 3600).calls == 0
    assert len(sim.log("externalcontact/add_moment_task")) == 1
    row = plan_funnel("moments").steps[0]
    assert (row.sent, row.senders_confirmed) == (1, 1)


def test_a_date_plan_starts_once_on_its_day_for_the_segment(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(triggers, "sender_of", lambda contact: "zhangsan")
    sim.befriend("zhangsan", ["wmChamp1", "wmChamp2", "wmOther"])
    for contact, segment in (
        ("wmChamp1", "champions"),
        ("wmChamp2", "champions"),
        ("wmOther", "loyal"),
    ):
        signals.publish(
            signals.SegmentChanged(
                effect_id=f"seg#{contact}",
                contact_id=contact,
                previous_segment=None,
                segment=segment,
                high_value=segment == "champions",
                score=0.9,
                at=local("2026-11-20 03:00"),
            )
        )
    save(
        "double-twelve",
        [step("offer", "双十二专享", day=0, at="10:00")],
        trigger={"kind": "date", "date": "2026-12-12", "segment": "champions"},
    )

    assert dated.start_due_plans(local("2026-12-11 23:59")) == 0
    assert dated.start_due_plans(local("2026-12-12 00:04")) == 1
    assert dated.start_due_plans(local("2026-12-12 00:09")) == 0  # the next tick: once only
    assert tick.run(local("2026-12-12 09:59")).calls == 0
    assert tick.run(local("2026-12-12 10:00")).calls == 1
    [call] = sim.mass_calls()
    assert sorted(call["external_userid"]) == ["wmChamp1", "wmChamp2"]


def test_a_tag_edit_enrols_customers_who_now_carry_the_tag(sim: Sim) -> None:
    save(
        "vip-care",
        [step("hello", "VIP 专属服务", delay_minutes=0)],
        trigger={"kind": "tagged", "tag_ids": ["etVIP"]},
    )

    def edited(key: str, contact: Contact) -> signals.ContactEdited:
        event = ContactChange.model_validate(
            {
                "key": key,
                "ChangeType": "edit_external_contact",
                "UserID": "zhangsan",
                "ExternalUserID": contact.external_userid,
            }
        )
        return signals.ContactEdited(key, event, contact)

    vip = Contact(external_userid="wmVip", name="V", tag_ids=["etVIP"])
    plain = Contact(external_userid="wmPlain", name="P", tag_ids=["etOther"])
    assert triggers.on_contact_edited(edited("k1", vip)) == 1
    assert triggers.on_contact_edited(edited("k2", plain)) == 0
    assert triggers.on_contact_edited(edited("k3", vip)) == 0  # entered once
