"""Parsing decrypted callbacks and their dedupe keys."""

from __future__ import annotations

import pytest

from chalicelib.wecom.errors import MalformedEvent
from chalicelib.wecom.inbound import parse_event


def add_contact(
    external_userid: str = "woAJ2GCAAAXtWyujaWJHDDGi0mAAAA", state: str = "teststate"
) -> str:
    return (
        "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"
        "<CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[change_external_contact]]></Event>"
        "<ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID>"
        f"<ExternalUserID><![CDATA[{external_userid}]]></ExternalUserID>"
        f"<State><![CDATA[{state}]]></State><WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode></xml>"
    )


def test_the_reference_add_event_is_parsed_with_its_kind_and_time() -> None:
    event = parse_event(add_contact())
    assert event.kind == "change_external_contact/add_external_contact"
    assert event.create_time == 1403610513
    assert event.fields["ExternalUserID"] == "woAJ2GCAAAXtWyujaWJHDDGi0mAAAA"


def test_a_redelivered_event_has_the_same_key_even_with_other_whitespace() -> None:
    again = add_contact().replace("><", ">\n  <")
    assert parse_event(add_contact()).key == parse_event(again).key


def test_two_customers_added_in_the_same_second_by_the_same_member_keep_two_keys() -> None:
    first = parse_event(add_contact(external_userid="wm_customer_a"))
    second = parse_event(add_contact(external_userid="wm_customer_b"))
    assert first.key != second.key


def test_the_same_customer_through_another_channel_is_another_event() -> None:
    assert (
        parse_event(add_contact(state="poster")).key != parse_event(add_contact(state="parcel")).key
    )


def test_messages_are_keyed_by_msg_id() -> None:
    event = parse_event(
        "<xml><MsgType>text</MsgType><Content>hi</Content><MsgId>4561255354251345929</MsgId></xml>"
    )
    assert event.key == "msg:4561255354251345929"
    assert event.kind == "message/text"


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ("<Item><![CDATA[wmA]]></Item>", ["wmA"]),
        ("<Item><![CDATA[wmA]]></Item><Item><![CDATA[wmB]]></Item>", ["wmA", "wmB"]),
    ],
)
def test_member_lists_are_lists_even_with_one_item(members: str, expected: list[str]) -> None:
    event = parse_event(
        "<xml><MsgType>event</MsgType><Event>change_external_chat</Event><ChangeType>update</ChangeType>"
        f"<UpdateDetail>add_member</UpdateDetail><MemChangeList>{members}</MemChangeList></xml>"
    )
    assert event.fields["MemChangeList"] == expected


@pytest.mark.parametrize(
    "xml",
    [
        "",
        "<xml><Content>no type</Content></xml>",
        "<xml><MsgType>event</MsgType>",
        '<!DOCTYPE x [<!ENTITY e "x">]><xml><MsgType>&e;</MsgType></xml>',
    ],
    ids=["empty", "no-msgtype", "truncated", "dtd"],
)
def test_malformed_payloads_raise_a_typed_error(xml: str) -> None:
    with pytest.raises(MalformedEvent):
        parse_event(xml)
