"""The SOP and broadcast admin API: validation, roles, the funnel, broadcasts sent once."""

from __future__ import annotations

import json
from typing import Any

from chalicelib import signals
from chalicelib.sop import tick
from tests.integration.sop.conftest import Sim, local
from tests.support.admin import bearer

PLAN = {
    "name": "Welcome",
    "trigger": {"kind": "contact_added", "channels": ["store"]},
    "steps": [
        {"id": "d0", "name": "Hello", "day": 0, "at": "20:00", "content": {"text": "Hi {staff}"}},
        {
            "id": "d1",
            "delay_minutes": 1440,
            "content": {
                "text": "Our guide",
                "attachments": [{"type": "link", "title": "Guide", "url": "https://example.com/g"}],
            },
        },
    ],
    "exit_on": ["order", "deleted"],
}


def put(client: Any, path: str, body: Any, role: str = "operator") -> Any:
    return client.http.put(
        path,
        body=json.dumps(body),
        headers={"Content-Type": "application/json", **bearer(role)},  # type: ignore[arg-type]
    )


def get(client: Any, path: str) -> Any:
    return client.http.get(path, headers=bearer("viewer"))


def test_operators_save_plans_and_viewers_read_them(client: Any) -> None:
    saved = put(client, "/admin/sop/plans/welcome", PLAN)
    assert saved.status_code == 200, saved.body
    assert saved.json_body["steps"][1]["content"]["attachments"][0]["type"] == "link"
    assert put(client, "/admin/sop/plans/welcome", PLAN, role="viewer").status_code == 403
    assert [p["id"] for p in get(client, "/admin/sop/plans").json_body["items"]] == ["welcome"]
    funnel = get(client, "/admin/sop/plans/welcome/funnel").json_body
    assert [s["step_id"] for s in funnel["steps"]] == ["d0", "d1"]
    assert funnel["conversion_window_days"] == 7
    assert get(client, "/admin/sop/plans/nope").status_code == 404
    deleted = client.http.delete("/admin/sop/plans/welcome", headers=bearer("operator"))
    assert deleted.status_code == 204
    assert get(client, "/admin/sop/plans/welcome").status_code == 404


def test_bad_plans_are_refused_with_a_reason(client: Any) -> None:
    cases = [
        ({**PLAN, "steps": []}, "steps"),
        ({**PLAN, "steps": [{"id": "x", "content": {"text": "no timing"}}]}, "delay_minutes"),
        ({**PLAN, "steps": [{"id": "x", "day": 1, "at": "25:00", "content": {"text": "t"}}]}, "at"),
        ({**PLAN, "trigger": {"kind": "tagged"}}, "tag_ids"),
        ({**PLAN, "trigger": {"kind": "teleported"}}, "kind"),
        ({**PLAN, "target": "group"}, "group"),
        ({**PLAN, "steps": [PLAN["steps"][0], PLAN["steps"][0]]}, "unique"),
        ("not an object", ""),
    ]
    named = {**PLAN, "steps": [{**PLAN["steps"][0], "content": {"text": "Hi {name}"}}]}
    cases.append((named, "steps.0.content.text: Value error, {name} differs for every customer"))
    for body, reason in cases:
        answer = put(client, "/admin/sop/plans/p1", body)
        assert answer.status_code == 400, body
        assert reason in answer.json_body["message"]
    assert put(client, "/admin/sop/plans/Bad_Id", PLAN).status_code == 400


def test_a_broadcast_to_a_segment_goes_out_once_through_the_tick(client: Any, sim: Sim) -> None:
    from chalicelib.contacts import service as contacts

    for contact in ("wmS1", "wmS2"):
        contacts.record_add(contact, "zhangsan", 1, "", f"add#{contact}")  # a known contact
        signals.publish(
            signals.SegmentChanged(
                effect_id=f"seg#{contact}",
                contact_id=contact,
                previous_segment=None,
                segment="vip",
                high_value=True,
                score=0.9,
                at=1,
            )
        )
    sim.befriend("zhangsan", ["wmS1", "wmS2"])
    body = {
        "name": "Double 12",
        "audience": {"segment": "vip"},
        "content": {"text": "VIP early access"},
        "send_at": local("2026-12-12 10:00"),
    }
    created = put(client, "/admin/broadcasts/double-12", body)
    assert created.status_code == 201, created.body
    assert created.json_body["recipients"] == 2
    assert put(client, "/admin/broadcasts/double-12", body).status_code == 409
    empty = put(client, "/admin/broadcasts/empty", {**body, "audience": {"segment": "none"}})
    assert (empty.status_code, empty.json_body["error"]) == (400, "no_recipients")
    assert put(client, "/admin/broadcasts/bad", {**body, "audience": {}}).status_code == 400

    assert tick.run(local("2026-12-12 09:55")).calls == 0
    assert tick.run(local("2026-12-12 10:00")).calls == 1
    [call] = sim.mass_calls()
    assert sorted(call["external_userid"]) == ["wmS1", "wmS2"]
    report = get(client, "/admin/broadcasts/double-12").json_body
    assert (report["funnel"]["steps"][0]["targeted"], report["funnel"]["steps"][0]["sent"]) == (
        2,
        2,
    )
