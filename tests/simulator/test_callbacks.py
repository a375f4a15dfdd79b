"""Encrypted callback pushes: what the product receives, retries, URL verification."""

from __future__ import annotations

import time

from defusedxml import ElementTree

from tests.simulator.conftest import AGENT_ID, CORP_ID, Client, Receiver, Reply
from wecom_simulator import Simulator


def fields(xml: str) -> dict[str, str]:
    return {child.tag: child.text or "" for child in ElementTree.fromstring(xml)}


def test_an_added_customer_is_pushed_encrypted_and_matches_the_state(
    client: Client, receiver: Receiver
) -> None:
    way = client.api(
        "externalcontact/add_contact_way",
        {"type": 1, "scene": 2, "user": ["lisi"], "state": "poster-7"},
    )
    added = client.ctl("POST", "customers/add", {"config_id": way["config_id"], "name": "Lei"})
    assert added["delivery"]["ok"] is True
    assert added["delivery"]["attempts"] == 1

    [request] = receiver.posts()
    assert request.headers["Content-Type"] == "text/xml"
    envelope = fields(request.body.decode())
    assert envelope["ToUserName"] == CORP_ID
    assert envelope["AgentID"] == AGENT_ID
    event = fields(receiver.decrypted(request))
    assert event["Event"] == "change_external_contact"
    assert event["ChangeType"] == "add_external_contact"
    assert event["FromUserName"] == "sys"
    assert event["UserID"] == "lisi"
    assert event["State"] == "poster-7"
    assert event["WelcomeCode"] == added["welcome_code"]

    contact = client.api("externalcontact/get", external_userid=event["ExternalUserID"])
    assert contact["external_contact"]["name"] == "Lei"
    [follow] = contact["follow_user"]
    assert (follow["userid"], follow["state"]) == ("lisi", "poster-7")
    assert follow["createtime"] == int(event["CreateTime"])


def test_a_failing_receiver_gets_three_deliveries_each_encrypted_afresh(
    client: Client, receiver: Receiver
) -> None:
    receiver.default = Reply(status=500)
    added = client.ctl("POST", "customers/add", {"userid": "zhangsan", "welcome": False})
    delivery = added["delivery"]
    assert (delivery["ok"], delivery["status"], delivery["attempts"]) == (False, 500, 3)
    posts = receiver.posts()
    assert len(posts) == 3
    assert len({p.query["nonce"] for p in posts}) == 3
    assert len({p.body for p in posts}) == 3
    plain = {receiver.decrypted(p) for p in posts}
    assert plain == {added["xml"]}
    assert "WelcomeCode" not in added["xml"]
    rows = client.ctl("GET", "callbacks")
    assert [r["attempt"] for r in rows] == [1, 2, 3]
    assert all(r["status"] == 500 and r["url"] == receiver.url for r in rows)


def test_a_slow_answer_counts_as_a_failure_and_is_retried(
    sim: Simulator, client: Client, receiver: Receiver
) -> None:
    client.ctl("POST", "config", {"callback_timeout_s": 0.3})
    receiver.script = [Reply(delay_s=0.8), Reply(status=502)]
    delivery = client.ctl("POST", "customers/add", {"userid": "wangwu"})["delivery"]
    assert (delivery["ok"], delivery["attempts"]) == (True, 3)
    first, second, third = delivery["deliveries"]
    assert first["status"] is None and "timeout" in first["error"]
    assert second["status"] == 502
    assert third["status"] == 200 and third["answer"] == "success"


def test_the_attempt_count_is_configurable(client: Client, receiver: Receiver) -> None:
    client.ctl("POST", "config", {"callback_attempts": 1})
    receiver.default = Reply(status=503)
    assert client.ctl("POST", "callbacks/push", {"xml": "<xml/>"})["attempts"] == 1


def test_url_verification_checks_the_plaintext_answer(client: Client, receiver: Receiver) -> None:
    result = client.ctl("POST", "callbacks/verify_url", {})
    assert result["ok"] is True
    assert result["answer"] == result["expected"]
    [request] = receiver.received
    assert request.method == "GET"
    assert set(request.query) == {"msg_signature", "timestamp", "nonce", "echostr"}

    receiver.script = [Reply(status=404)]
    assert client.ctl("POST", "callbacks/verify_url", {})["ok"] is False


def test_group_joins_carry_items_and_member_versions(client: Client, receiver: Receiver) -> None:
    a = client.ctl("POST", "customers/add", {"userid": "zhangsan"})["external_userid"]
    b = client.ctl("POST", "customers/add", {"userid": "zhangsan"})["external_userid"]
    chat = client.ctl("POST", "groups/create", {"owner": "zhangsan", "name": "VIP"})
    joined = client.ctl("POST", "groups/join", {"chat_id": chat["chat_id"], "members": [a, b]})
    xml = receiver.decrypted(receiver.posts()[-1])
    assert f"<MemChangeList><Item><![CDATA[{a}]]></Item><Item><![CDATA[{b}]]></Item>" in xml
    event = fields(xml)
    assert (event["ChangeType"], event["UpdateDetail"]) == ("update", "add_member")
    assert (event["JoinScene"], event["MemChangeCnt"]) == ("3", "2")
    assert event["LastMemVer"] == chat["member_version"]
    assert event["CurMemVer"] == joined["member_version"]
    group = client.api("externalcontact/groupchat/get", {"chat_id": chat["chat_id"]})
    assert group["group_chat"]["member_version"] == joined["member_version"]
    assert {m["userid"] for m in group["group_chat"]["member_list"]} == {"zhangsan", a, b}

    client.ctl("POST", "groups/leave", {"chat_id": chat["chat_id"], "members": [a]})
    left = fields(receiver.decrypted(receiver.posts()[-1]))
    assert (left["UpdateDetail"], left["QuitScene"], left["MemChangeCnt"]) == (
        "del_member",
        "0",
        "1",
    )


def test_churn_events_remove_the_relationship(client: Client, receiver: Receiver) -> None:
    customer = client.ctl("POST", "customers/add", {"userid": "lisi"})["external_userid"]
    client.ctl("POST", "customers/delete_member", {"userid": "lisi", "external_userid": customer})
    event = fields(receiver.decrypted(receiver.posts()[-1]))
    assert (event["ChangeType"], event["ExternalUserID"]) == ("del_follow_user", customer)
    assert client.api("externalcontact/get", external_userid=customer)["errcode"] == 84061


def test_an_async_push_returns_at_once(sim: Simulator, client: Client, receiver: Receiver) -> None:
    receiver.default = Reply(delay_s=0.3)
    started = time.monotonic()
    answer = client.ctl("POST", "callbacks/push", {"xml": "<xml><A>1</A></xml>", "async": True})
    assert answer["async"] is True
    assert time.monotonic() - started < 0.25
    sim.wait_for_pushes(5)
    assert [r["ok"] for r in client.ctl("GET", "callbacks")] == [True]


def test_the_query_timestamp_is_wall_clock_unless_given(client: Client, receiver: Receiver) -> None:
    client.ctl("POST", "callbacks/push", {"xml": "<xml/>"})
    client.ctl("POST", "callbacks/push", {"xml": "<xml/>", "timestamp": 1_600_000_000})
    first, second = receiver.posts()
    assert abs(int(first.query["timestamp"]) - time.time()) < 60
    assert second.query["timestamp"] == "1600000000"
    assert receiver.decrypted(second) == "<xml/>"
