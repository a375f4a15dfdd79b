"""Group live codes: a join way over up to 5 groups, full groups rotated out on the
membership event, QR joins credited to the code."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.livecodes import handlers, service
from chalicelib.signals import GroupChanged
from chalicelib.wecom.events import typed
from chalicelib.wecom.inbound import parse_event
from tests.conftest import CORP_ID
from tests.support.admin import bearer
from tests.support.fake_wecom_api import FakeWeComApi

JSON = {"Content-Type": "application/json"}
CHATS = [f"wrChat{n}" for n in range(1, 8)]


def group(chat_id: str, members: int, status: str = "active") -> None:
    from chalicelib.groups import store

    store.GroupItem.bound()(
        store.group_pk(chat_id), "profile", chat_id=chat_id, member_count=members, status=status
    ).save()


def joined(chat_id: str, members: list[str], scene: int = 3) -> Any:
    items = "".join(f"<Item><![CDATA[{m}]]></Item>" for m in members)
    xml = (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        "<FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1900000000</CreateTime>"
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event>"
        f"<ChatId><![CDATA[{chat_id}]]></ChatId><ChangeType><![CDATA[update]]></ChangeType>"
        f"<UpdateDetail><![CDATA[add_member]]></UpdateDetail><JoinScene>{scene}</JoinScene>"
        f"<MemChangeCnt>{len(members)}</MemChangeCnt><MemChangeList>{items}</MemChangeList>"
        "</xml>"
    )
    return typed(parse_event(xml))


def test_a_group_code_rotates_full_groups_out_on_the_event(
    client: Any, wecom: FakeWeComApi
) -> None:
    group(CHATS[0], 200)  # already full
    group(CHATS[1], 199)
    group(CHATS[2], 0, status="dismissed")
    body = {"name": "社群", "chat_ids": CHATS, "max_members": 200, "room_base_name": "福利群"}
    response = client.http.put(
        "/admin/group-codes/g1", body=json.dumps(body), headers=JSON | bearer("operator")
    )
    assert response.status_code == 200, response.body
    code = response.json_body
    assert code["active"] == ["wrChat2", "wrChat4", "wrChat5", "wrChat6", "wrChat7"]
    way = wecom.ways[code["config_id"]]
    assert way["state"] == "gc:g1" and way["auto_create_room"] == 1
    assert way["chat_id_list"] == code["active"]

    scan = client.http.get("/g/g1")
    assert scan.status_code == 302 and scan.headers["Location"] == code["qr_code"]

    # Two customers join wrChat2 by QR: it is full now, and the next group comes in.
    group(CHATS[1], 201)
    event = joined(CHATS[1], ["wmX", "wmY"])
    assert handlers.on_group_changed(GroupChanged(event.key, event)) == ["g1"]
    assert (
        handlers.on_group_changed(GroupChanged(event.key, event)) == []
    )  # a replay: nothing moves twice
    assert wecom.ways[code["config_id"]]["chat_id_list"] == [
        "wrChat4",
        "wrChat5",
        "wrChat6",
        "wrChat7",
    ]
    day = service.now_local(1_900_000_000).date().isoformat()
    stats = client.http.get(f"/admin/group-codes/g1/stats?day={day}", headers=bearer("viewer"))
    assert stats.json_body["joins"] == 2
    today = client.http.get("/admin/group-codes/g1/stats", headers=bearer("viewer"))
    assert today.json_body["scans"] == 1

    removed = client.http.delete("/admin/group-codes/g1", headers=bearer("operator"))
    assert removed.status_code == 204 and wecom.ways == {}
    assert client.http.get("/g/g1").status_code == 404
