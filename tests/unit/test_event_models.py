"""Typed models for every event in the reference (docs 92130 / 92277)."""

from __future__ import annotations

import pytest

from chalicelib.wecom.errors import MalformedEvent
from chalicelib.wecom.events import ChatChange, ContactChange, Ignored, TagChange, typed
from chalicelib.wecom.inbound import parse_event

ENVELOPE = (
    "<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"
    "<CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType>{body}</xml>"
)


def contact(change_type: str, extra: str = "") -> str:
    return ENVELOPE.format(
        body="<Event><![CDATA[change_external_contact]]></Event>"
        f"<ChangeType><![CDATA[{change_type}]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID>"
        f"<ExternalUserID><![CDATA[wmX]]></ExternalUserID>{extra}"
    )


@pytest.mark.parametrize(
    ("change_type", "extra", "field", "value"),
    [
        (
            "add_external_contact",
            "<State><![CDATA[s1]]></State><WelcomeCode><![CDATA[W]]></WelcomeCode>",
            "welcome_code",
            "W",
        ),
        ("add_half_external_contact", "<State><![CDATA[s2]]></State>", "state", "s2"),
        ("edit_external_contact", "", "user_id", "zhangsan"),
        (
            "del_external_contact",
            "<Source><![CDATA[DELETE_BY_TRANSFER]]></Source>",
            "source",
            "DELETE_BY_TRANSFER",
        ),
        ("del_follow_user", "", "external_user_id", "wmX"),
        (
            "transfer_fail",
            "<FailReason><![CDATA[customer_refused]]></FailReason>",
            "fail_reason",
            "customer_refused",
        ),
    ],
)
def test_every_contact_change_type(change_type: str, extra: str, field: str, value: str) -> None:
    event = typed(parse_event(contact(change_type, extra)))
    assert isinstance(event, ContactChange)
    assert event.change_type == change_type
    assert getattr(event, field) == value
    assert event.create_time == 1403610513


def chat(change_type: str, extra: str = "") -> str:
    return ENVELOPE.format(
        body="<Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrChat]]></ChatId>"
        f"<ChangeType><![CDATA[{change_type}]]></ChangeType>{extra}"
    )


def test_a_member_join_with_item_elements() -> None:
    event = typed(
        parse_event(
            chat(
                "update",
                (
                    "<UpdateDetail><![CDATA[add_member]]></UpdateDetail><JoinScene>3</JoinScene>"
                    "<MemChangeCnt>2</MemChangeCnt><MemChangeList><Item><![CDATA[wmA]]></Item>"
                    "<Item><![CDATA[wmB]]></Item></MemChangeList><LastMemVer><![CDATA[v1]]></LastMemVer>"
                    "<CurMemVer><![CDATA[v2]]></CurMemVer>"
                ),
            )
        )
    )
    assert isinstance(event, ChatChange)
    assert (event.update_detail, event.join_scene, event.mem_change_cnt) == ("add_member", 3, 2)
    assert event.mem_change_list == ["wmA", "wmB"]
    assert (event.last_mem_ver, event.cur_mem_ver) == ("v1", "v2")


def test_a_member_leave_in_the_older_comma_separated_format() -> None:
    event = typed(
        parse_event(
            chat(
                "update",
                (
                    "<UpdateDetail><![CDATA[del_member]]></UpdateDetail><QuitScene>1</QuitScene>"
                    "<MemChangeCnt>2</MemChangeCnt><MemChangeList><![CDATA[wmA,wmB]]></MemChangeList>"
                ),
            )
        )
    )
    assert isinstance(event, ChatChange)
    assert event.quit_scene == 1
    assert event.mem_change_list == ["wmA", "wmB"]


@pytest.mark.parametrize("detail", ["change_owner", "change_name", "change_notice"])
def test_other_group_updates(detail: str) -> None:
    event = typed(parse_event(chat("update", f"<UpdateDetail><![CDATA[{detail}]]></UpdateDetail>")))
    assert isinstance(event, ChatChange) and event.update_detail == detail
    assert event.mem_change_list == []


@pytest.mark.parametrize("change_type", ["create", "dismiss"])
def test_group_create_and_dismiss(change_type: str) -> None:
    event = typed(parse_event(chat(change_type)))
    assert isinstance(event, ChatChange) and event.chat_id == "wrChat"


@pytest.mark.parametrize(
    ("change_type", "extra", "tag_type"),
    [
        ("create", "<Id><![CDATA[et1]]></Id><TagType><![CDATA[tag]]></TagType>", "tag"),
        ("update", "<Id><![CDATA[et1]]></Id><TagType><![CDATA[tag_group]]></TagType>", "tag_group"),
        (
            "delete",
            "<Id><![CDATA[et1]]></Id><TagType><![CDATA[tag]]></TagType><StrategyId>1</StrategyId>",
            "tag",
        ),
        ("shuffle", "<Id><![CDATA[]]></Id>", ""),
    ],
)
def test_tag_changes(change_type: str, extra: str, tag_type: str) -> None:
    event = typed(
        parse_event(
            ENVELOPE.format(
                body=f"<Event><![CDATA[change_external_tag]]></Event><ChangeType>{change_type}</ChangeType>"
                + extra
            )
        )
    )
    assert isinstance(event, TagChange)
    assert (event.change_type, event.tag_type) == (change_type, tag_type)


@pytest.mark.parametrize(
    "xml",
    [
        "<xml><MsgType>text</MsgType><Content>hello</Content><MsgId>1</MsgId></xml>",
        ENVELOPE.format(body="<Event>enter_agent</Event>"),
        contact("some_future_change_type"),
    ],
    ids=["plain-message", "unknown-event", "unknown-change-type"],
)
def test_everything_else_is_recorded_but_ignored(xml: str) -> None:
    assert isinstance(typed(parse_event(xml)), Ignored)


def test_a_known_event_missing_its_ids_is_malformed() -> None:
    with pytest.raises(MalformedEvent, match="ExternalUserID"):
        typed(
            parse_event(
                ENVELOPE.format(
                    body="<Event>change_external_contact</Event><ChangeType>del_follow_user</ChangeType>"
                    "<UserID>zhangsan</UserID>"
                )
            )
        )
