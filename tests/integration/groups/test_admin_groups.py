"""Admin reads of groups, by role; and a group callback travelling the whole pipeline."""

from __future__ import annotations

from typing import Any

from chalicelib.callbacks import processing
from chalicelib.groups import handlers
from tests.conftest import CORP_ID
from tests.integration.groups.conftest import chat_event
from tests.support.admin import bearer
from tests.support.contacts import known_contact
from tests.support.fake_group_world import FakeGroupWorld
from tests.support.wecom import signed_post


def seeded(world: FakeGroupWorld) -> None:
    for chat_id in ("wrA", "wrB", "wrC"):
        world.create_group(chat_id, name=f"group {chat_id}")
        handlers.on_chat_change(chat_event(f"evt:{chat_id}", chat_id, "create"))
    last, cur = world.join("wrB", "wmAlice")
    handlers.on_chat_change(
        chat_event(
            "evt:join",
            "wrB",
            UpdateDetail="add_member",
            JoinScene="3",
            MemChangeList=["wmAlice"],
            LastMemVer=last,
            CurMemVer=cur,
        )
    )


def test_a_viewer_pages_through_the_groups(
    client: Any, world: FakeGroupWorld, timeline: list[Any]
) -> None:
    seeded(world)
    first = client.http.get("/admin/groups?limit=2", headers=bearer("viewer"))
    assert first.status_code == 200
    assert [g["chat_id"] for g in first.json_body["items"]] == ["wrA", "wrB"]
    assert first.json_body["items"][1]["member_count"] == 2
    cursor = first.json_body["cursor"]
    second = client.http.get(f"/admin/groups?limit=2&cursor={cursor}", headers=bearer("viewer"))
    assert [g["chat_id"] for g in second.json_body["items"]] == ["wrC"]
    assert second.json_body["cursor"] is None


def test_a_viewer_reads_a_group_with_its_members(
    client: Any, world: FakeGroupWorld, timeline: list[Any]
) -> None:
    seeded(world)
    response = client.http.get("/admin/groups/wrB", headers=bearer("viewer"))
    assert response.status_code == 200
    assert response.json_body["group"]["name"] == "group wrB"
    members = {m["userid"]: m for m in response.json_body["members"]}
    assert members["wmAlice"]["status"] == "in" and members["wmAlice"]["type"] == 2
    assert client.http.get("/admin/groups/wrNope", headers=bearer("viewer")).status_code == 404


def test_a_viewer_reads_a_customers_groups(
    client: Any, world: FakeGroupWorld, timeline: list[Any]
) -> None:
    seeded(world)
    unknown = client.http.get("/admin/contacts/wmAlice/groups", headers=bearer("viewer"))
    assert (unknown.status_code, unknown.json_body["error"]) == (404, "contact_not_found")
    known_contact("wmAlice")
    response = client.http.get("/admin/contacts/wmAlice/groups", headers=bearer("viewer"))
    assert response.status_code == 200
    assert [(g["chat_id"], g["status"]) for g in response.json_body["items"]] == [("wrB", "in")]


def test_group_routes_need_a_token(client: Any) -> None:
    assert client.http.get("/admin/groups").status_code == 401
    assert client.http.get("/admin/groups/wrA").status_code == 401
    assert client.http.get("/admin/contacts/wmAlice/groups").status_code == 401
    assert client.http.get("/admin/groups?limit=0", headers=bearer("viewer")).status_code == 400


def _chat_xml(chat_id: str, change_type: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        "<FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1700000100</CreateTime>"
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event>"
        f"<ChatId><![CDATA[{chat_id}]]></ChatId><ChangeType><![CDATA[{change_type}]]></ChangeType>"
        "</xml>"
    )


def test_a_group_callback_reaches_the_groups_context(
    client: Any, world: FakeGroupWorld, timeline: list[Any]
) -> None:
    world.create_group("wrPipe", name="from the callback")
    path, body = signed_post(_chat_xml("wrPipe", "create"))
    response = client.http.post(path, body=body, headers={"Content-Type": "text/xml"})
    assert response.status_code == 200
    assert [r.outcome for r in processing.sweep(now=2_000_000_000)] == ["processed"]
    group = client.http.get("/admin/groups/wrPipe", headers=bearer("viewer")).json_body
    assert group["group"]["name"] == "from the callback"


def test_the_reconcile_schedule_refreshes_groups(client: Any, world: FakeGroupWorld) -> None:
    world.create_group("wrScheduled")
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    result = client.lambda_.invoke("reconcile_groups", event)
    assert result.payload["refreshed"] == 1 and result.payload["finished_cycle"] is True
    assert client.http.get("/admin/groups/wrScheduled", headers=bearer("viewer")).status_code == 200


def test_a_viewer_reads_a_groups_joins_and_leaves_per_day(
    client: Any, world: FakeGroupWorld, timeline: list[Any], monkeypatch: Any
) -> None:
    seeded(world)
    last, cur = world.leave("wrB", "wmAlice")
    handlers.on_chat_change(
        chat_event(
            "evt:quit",
            "wrB",
            UpdateDetail="del_member",
            QuitScene="0",
            MemChangeList=["wmAlice"],
            LastMemVer=last,
            CurMemVer=cur,
        )
    )
    from chalicelib.groups import service

    # The next morning in Shanghai (the events were on 2023-11-15).
    monkeypatch.setattr(service, "now_ms", lambda: 1_700_090_000_000)
    response = client.http.get("/admin/groups/wrB/stats?days=3", headers=bearer("viewer"))
    assert response.status_code == 200
    days = response.json_body["days"]
    assert [d["day"] for d in days] == ["2023-11-14", "2023-11-15", "2023-11-16"]
    assert (days[1]["joins"], days[1]["join_qr"], days[1]["leaves"]) == (1, 1, 1)
    assert days[0]["joins"] == days[2]["joins"] == days[2]["leaves"] == 0
    unknown = client.http.get("/admin/groups/wrNope/stats", headers=bearer("viewer"))
    assert unknown.status_code == 404
    too_many = client.http.get("/admin/groups/wrB/stats?days=365", headers=bearer("viewer"))
    assert too_many.status_code == 400 and "days" in too_many.json_body["message"]
    assert client.http.get("/admin/groups/wrB/stats").status_code == 401
