"""add_msg_template limits and the send results after the staff confirm."""

from __future__ import annotations

from tests.simulator.conftest import Client


def add_customers(client: Client, userid: str, count: int) -> list[str]:
    return [
        client.ctl("POST", "customers/add", {"userid": userid, "welcome": False})["external_userid"]
        for _ in range(count)
    ]


def test_more_than_10000_customers_is_refused_with_81017(client: Client) -> None:
    ids = [f"wm{n:08d}" for n in range(10_001)]
    answer = client.api(
        "externalcontact/add_msg_template", {"external_userid": ids, "text": {"content": "Sale"}}
    )
    assert answer["errcode"] == 81017
    answer = client.api(
        "externalcontact/add_msg_template",
        {"external_userid": ids[:10_000], "text": {"content": "Sale"}},
    )
    assert answer["errcode"] == 41048  # none of them is a customer


def test_group_messages_need_a_sender_and_at_most_2000_chats(client: Client) -> None:
    body = {"chat_type": "group", "text": {"content": "Hi"}}
    assert client.api("externalcontact/add_msg_template", body)["errcode"] == 40058
    chats = [f"wr{n}" for n in range(2001)]
    answer = client.api(
        "externalcontact/add_msg_template", {**body, "sender": "zhangsan", "chat_id_list": chats}
    )
    assert answer["errcode"] == 81017


def test_a_template_is_sent_when_the_sender_confirms(client: Client) -> None:
    mine = add_customers(client, "zhangsan", 3)
    other = add_customers(client, "lisi", 1)
    client.ctl(
        "POST", "customers/delete_member", {"userid": "zhangsan", "external_userid": mine[2]}
    )
    answer = client.api(
        "externalcontact/add_msg_template",
        {
            "sender": "zhangsan",
            "external_userid": [*mine, *other, "wmunknown"],
            "text": {"content": "Spring sale"},
        },
    )
    assert answer["errcode"] == 0
    assert set(answer["fail_list"]) == {mine[2], other[0], "wmunknown"}
    msgid = answer["msgid"]

    tasks = client.api("externalcontact/get_groupmsg_task", {"msgid": msgid})["task_list"]
    assert [(t["userid"], t["status"]) for t in tasks] == [("zhangsan", 0)]
    results = client.api(
        "externalcontact/get_groupmsg_send_result", {"msgid": msgid, "userid": "zhangsan"}
    )["send_list"]
    assert [r["status"] for r in results] == [0, 0]

    client.ctl(
        "POST", "customers/deleted_by_member", {"userid": "zhangsan", "external_userid": mine[1]}
    )
    confirmed = client.ctl("POST", f"msg_templates/{msgid}/confirm", {})
    assert (confirmed["sent"], confirmed["not_friend"]) == (1, 1)
    results = client.api(
        "externalcontact/get_groupmsg_send_result", {"msgid": msgid, "userid": "zhangsan"}
    )["send_list"]
    assert {r["external_userid"]: r["status"] for r in results} == {mine[0]: 1, mine[1]: 2}
    listed = client.api(
        "externalcontact/get_groupmsg_list_v2",
        {"chat_type": "single", "start_time": 0, "end_time": 2**31},
    )
    assert [m["msgid"] for m in listed["group_msg_list"]] == [msgid]


def test_tag_filters_pick_customers_and_dispatching_answers_41063(client: Client) -> None:
    [a, b] = add_customers(client, "wangwu", 2)
    group = client.api(
        "externalcontact/add_corp_tag", {"group_name": "Level", "tag": [{"name": "Gold"}]}
    )["tag_group"]
    gold = group["tag"][0]["id"]
    client.api(
        "externalcontact/mark_tag", {"userid": "wangwu", "external_userid": b, "add_tag": [gold]}
    )
    client.ctl("POST", "config", {"msg_dispatch_s": 30})
    answer = client.api(
        "externalcontact/add_msg_template",
        {
            "sender": "wangwu",
            "text": {"content": "Gold only"},
            "tag_filter": {"group_list": [{"tag_list": [gold]}]},
        },
    )
    assert answer["errcode"] == 0
    msgid = answer["msgid"]
    query = {"msgid": msgid, "userid": "wangwu"}
    assert client.api("externalcontact/get_groupmsg_send_result", query)["errcode"] == 41063
    client.ctl("POST", "clock", {"advance_s": 30})
    rows = client.api("externalcontact/get_groupmsg_send_result", query)["send_list"]
    assert [r["external_userid"] for r in rows] == [b]
    assert a not in str(rows)
