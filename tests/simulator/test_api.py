"""The WeCom API areas: contact ways, customers, tags, groups, statistics, handover,
application messages."""

from __future__ import annotations

import urllib.request

from tests.simulator.conftest import AGENT_ID, Client, Receiver

WAY = "externalcontact/add_contact_way"


def test_contact_way_validation(client: Client) -> None:
    def code(**body: object) -> int:
        return int(
            client.api(WAY, {"type": 1, "scene": 2, "user": ["zhangsan"], **body})["errcode"]
        )

    assert code() == 0
    assert code(type=3) == 40058
    assert code(scene=0) == 40058
    assert code(state="s" * 31) == 40058
    assert code(user=["zhangsan", "lisi"]) == 40058
    assert code(user=["ghost"]) == 60111
    assert code(type=2, user=["zhangsan"] * 101) == 41041
    assert code(is_temp=True, expires_in=14 * 86_400 + 1) == 40058


def test_contact_way_lifecycle_and_qr_image(client: Client) -> None:
    created = client.api(
        WAY, {"type": 2, "scene": 2, "user": ["zhangsan", "lisi"], "state": "s1", "remark": "store"}
    )
    config_id, qr = created["config_id"], created["qr_code"]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(qr) as response:
        assert response.headers["Content-Type"] == "image/png"
        assert response.read().startswith(b"\x89PNG")
    client.api("externalcontact/update_contact_way", {"config_id": config_id, "user": ["wangwu"]})
    way = client.api("externalcontact/get_contact_way", {"config_id": config_id})["contact_way"]
    assert (way["user"], way["state"], way["remark"]) == (["wangwu"], "s1", "store")
    listed = client.api("externalcontact/list_contact_way", {})["contact_way"]
    assert listed == [{"config_id": config_id}]
    assert client.api("externalcontact/del_contact_way", {"config_id": config_id})["errcode"] == 0
    assert client.api("externalcontact/get_contact_way", {"config_id": config_id})["errcode"] != 0


def test_customers_by_user_remarks_and_tags(client: Client) -> None:
    ids = [
        client.ctl("POST", "customers/add", {"userid": "lisi", "welcome": False})["external_userid"]
        for _ in range(3)
    ]
    assert client.api("externalcontact/list", userid="lisi")["external_userid"] == ids
    assert client.api("externalcontact/get", external_userid="wmghost")["errcode"] == 40096
    first = client.api("externalcontact/batch/get_by_user", {"userid_list": ["lisi"], "limit": 2})
    rest = client.api(
        "externalcontact/batch/get_by_user",
        {"userid_list": ["lisi"], "limit": 2, "cursor": first["next_cursor"]},
    )
    got = [
        c["external_contact"]["external_userid"]
        for c in first["external_contact_list"] + rest["external_contact_list"]
    ]
    assert got == ids and rest["next_cursor"] == ""
    assert (
        client.api("externalcontact/batch/get_by_user", {"userid_list": ["lisi"] * 101})["errcode"]
        == 40058
    )

    group = client.api(
        "externalcontact/add_corp_tag",
        {"group_name": "Stage", "tag": [{"name": "New"}, {"name": "Loyal"}]},
    )["tag_group"]
    new, loyal = (t["id"] for t in group["tag"])
    assert (
        client.api(
            "externalcontact/add_corp_tag", {"group_name": "Stage", "tag": [{"name": "x" * 31}]}
        )["errcode"]
        == 40058
    )
    client.api(
        "externalcontact/mark_tag",
        {"userid": "lisi", "external_userid": ids[0], "add_tag": [new, loyal]},
    )
    client.api(
        "externalcontact/mark_tag",
        {"userid": "lisi", "external_userid": ids[0], "remove_tag": [new]},
    )
    client.api(
        "externalcontact/remark",
        {
            "userid": "lisi",
            "external_userid": ids[0],
            "remark": "VIP",
            "remark_mobiles": ["13800000000"],
        },
    )
    assert (
        client.api(
            "externalcontact/mark_tag",
            {"userid": "zhangsan", "external_userid": ids[0], "add_tag": [new]},
        )["errcode"]
        == 84061
    )
    [follow] = client.api("externalcontact/get", external_userid=ids[0])["follow_user"]
    assert follow["remark"] == "VIP" and follow["remark_mobiles"] == ["13800000000"]
    assert follow["tags"] == [
        {"group_name": "Stage", "tag_name": "Loyal", "tag_id": loyal, "type": 1}
    ]
    client.api("externalcontact/edit_corp_tag", {"id": loyal, "name": "Faithful"})
    client.api("externalcontact/del_corp_tag", {"tag_id": [new]})
    groups = client.api("externalcontact/get_corp_tag_list", {})["tag_group"]
    assert [[t["name"] for t in g["tag"]] for g in groups] == [["Faithful"]]


def test_tag_changes_from_the_admin_console_are_pushed(client: Client, receiver: Receiver) -> None:
    created = client.ctl(
        "POST",
        "tags/changed",
        {"change_type": "create", "tag_type": "tag", "name": "Hot", "group_name": "Leads"},
    )
    assert f"<Id><![CDATA[{created['id']}]]></Id>" in receiver.decrypted(receiver.posts()[-1])
    groups = client.api("externalcontact/get_corp_tag_list", {})["tag_group"]
    assert groups[0]["tag"][0]["name"] == "Hot"


def test_group_join_ways_statistics_and_transfer(client: Client) -> None:
    chat = client.ctl("POST", "groups/create", {"owner": "zhangsan", "members": ["lisi"]})
    chat_id = chat["chat_id"]
    listed = client.api(
        "externalcontact/groupchat/list", {"owner_filter": {"userid_list": ["zhangsan"]}}
    )
    assert listed["group_chat_list"] == [{"chat_id": chat_id, "status": 0}]
    too_many = client.api(
        "externalcontact/groupchat/add_join_way", {"scene": 2, "chat_id_list": [chat_id] * 6}
    )
    assert too_many["errcode"] == 40058
    config_id = client.api(
        "externalcontact/groupchat/add_join_way",
        {"scene": 2, "chat_id_list": [chat_id], "state": "g1"},
    )["config_id"]
    way = client.api("externalcontact/groupchat/get_join_way", {"config_id": config_id})
    assert way["join_way"]["state"] == "g1" and way["join_way"]["qr_code"].endswith(".png")
    assert (
        client.api("externalcontact/groupchat/statistic", {"day_begin_time": 0})["errcode"] == 40058
    )
    stats = client.api(
        "externalcontact/groupchat/statistic",
        {
            "day_begin_time": int(client.ctl("GET", "clock")["now"]) // 86_400 * 86_400,
            "owner_filter": {"userid_list": ["zhangsan"]},
        },
    )
    assert stats["items"][0]["data"]["chat_total"] == 1
    assert stats["items"][0]["data"]["member_total"] == 2
    moved = client.api(
        "externalcontact/groupchat/transfer", {"chat_id_list": [chat_id], "new_owner": "wangwu"}
    )
    assert moved["failed_chat_list"] == []
    chat_info = client.api("externalcontact/groupchat/get", {"chat_id": chat_id})
    assert chat_info["group_chat"]["owner"] == "wangwu"


def test_behavior_data_counts_new_contacts_per_day(client: Client) -> None:
    client.ctl("POST", "customers/add", {"userid": "zhangsan"})
    now = int(client.ctl("GET", "clock")["now"])
    rows = client.api(
        "externalcontact/get_user_behavior_data",
        {"userid": ["zhangsan"], "start_time": now - 86_400, "end_time": now},
    )["behavior_data"]
    assert len(rows) == 2
    assert rows[-1]["new_contact_cnt"] == 1 and rows[0]["new_contact_cnt"] == 0
    too_long = client.api(
        "externalcontact/get_user_behavior_data",
        {"userid": ["zhangsan"], "start_time": now - 30 * 86_400, "end_time": now},
    )
    assert too_long["errcode"] == 40058


def test_on_job_and_resigned_handover(client: Client, receiver: Receiver) -> None:
    customer = client.ctl("POST", "customers/add", {"userid": "zhangsan"})["external_userid"]
    answer = client.api(
        "externalcontact/transfer_customer",
        {
            "handover_userid": "zhangsan",
            "takeover_userid": "lisi",
            "external_userid": [customer, "wmghost"],
        },
    )
    assert [c["errcode"] for c in answer["customer"]] == [0, 40096]
    query = {"handover_userid": "zhangsan", "takeover_userid": "lisi"}
    result = client.api("externalcontact/transfer_result", query)["customer"]
    assert [r["status"] for r in result] == [2]
    done = client.ctl("POST", "transfers/complete", {})
    assert done["deliveries"][0]["ok"] is True
    event = receiver.decrypted(receiver.posts()[-1])
    assert "<Source><![CDATA[DELETE_BY_TRANSFER]]></Source>" in event
    assert client.api("externalcontact/transfer_result", query)["customer"][0]["status"] == 1
    assert client.api("externalcontact/list", userid="lisi")["external_userid"] == [customer]

    client.ctl("POST", "staff", {"userid": "lisi", "resigned": True})
    unassigned = client.api("externalcontact/get_unassigned_list", {})
    assert [i["external_userid"] for i in unassigned["info"]] == [customer]
    answer = client.api(
        "externalcontact/resigned/transfer_customer",
        {"handover_userid": "lisi", "takeover_userid": "wangwu", "external_userid": [customer]},
    )
    assert answer["customer"][0]["errcode"] == 0
    client.ctl("POST", "transfers/complete", {"fail_reason": "customer_refused"})
    assert "<FailReason><![CDATA[customer_refused]]></FailReason>" in receiver.decrypted(
        receiver.posts()[-1]
    )


def test_app_messages_are_recorded(client: Client) -> None:
    body = {
        "touser": "zhangsan|ghost",
        "msgtype": "text",
        "agentid": AGENT_ID,
        "text": {"content": "Customer Li deleted you"},
    }
    answer = client.api("message/send", body)
    assert answer["errcode"] == 0 and answer["invaliduser"] == "ghost"
    assert client.api("message/send", {**body, "agentid": 1})["errcode"] == 40056
    assert client.api("message/send", {**body, "touser": "ghost"})["errcode"] == 81013
    [sent] = client.ctl("GET", "state")["app_messages"]
    assert sent["touser"] == ["zhangsan"] and sent["text"]["content"].startswith("Customer")


def test_user_get_answers_a_members_name_and_60111_for_a_stranger(client: Client) -> None:
    member = client.api("user/get", userid="zhangsan")
    assert (member["errcode"], member["userid"], member["name"]) == (0, "zhangsan", "张三")
    assert client.api("user/get", userid="ghost")["errcode"] == 60111


def test_departments_and_their_members_as_an_app_lists_them(client: Client) -> None:
    departments = client.api("department/simplelist")["department_id"]
    assert [(d["id"], d["parentid"]) for d in departments] == [(1, 0), (2, 1), (3, 1)]
    root = client.api("user/simplelist", department_id=1)["userlist"]
    assert [(m["userid"], m["name"]) for m in root] == [("lisi", "李四"), ("zhangsan", "张三")]
    assert [m["userid"] for m in client.api("user/simplelist", department_id=2)["userlist"]] == [
        "wangwu"
    ]
    client.ctl("POST", "staff", {"userid": "lisi", "resigned": True})
    root = client.api("user/simplelist", department_id=1)["userlist"]
    assert [m["userid"] for m in root] == ["zhangsan"]
    assert client.api("user/simplelist", department_id=9)["errcode"] == 60123
    assert client.api("department/simplelist", id=9)["errcode"] == 60123
    assert [d["id"] for d in client.api("department/simplelist", id=2)["department_id"]] == [2]
    assert client.api("user/simplelist")["errcode"] == 40058
