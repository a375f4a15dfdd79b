"""Plain XML of the events WeCom pushes (reference §2), before encryption."""

from __future__ import annotations

from collections.abc import Sequence

Value = str | int | Sequence[str] | None


def cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def element(name: str, value: Value) -> str:
    if isinstance(value, int):
        return f"<{name}>{value}</{name}>"
    if isinstance(value, str):
        return f"<{name}>{cdata(value)}</{name}>"
    items = "".join(f"<Item>{cdata(item)}</Item>" for item in value or ())
    return f"<{name}>{items}</{name}>"


def event_xml(
    corp_id: str, create_time: int, event: str, fields: Sequence[tuple[str, Value]]
) -> str:
    """``<xml>`` with the common header then ``fields`` (``None`` values are left out)."""
    head: list[tuple[str, Value]] = [
        ("ToUserName", corp_id),
        ("FromUserName", "sys"),
        ("CreateTime", create_time),
        ("MsgType", "event"),
        ("Event", event),
    ]
    body = "".join(element(name, value) for name, value in [*head, *fields] if value is not None)
    return f"<xml>{body}</xml>"


def contact_event(
    corp_id: str,
    create_time: int,
    change_type: str,
    userid: str,
    external_userid: str,
    *,
    state: str | None = None,
    welcome_code: str | None = None,
    source: str | None = None,
    fail_reason: str | None = None,
) -> str:
    """``change_external_contact``: add, add_half, edit, del, del_follow_user, transfer_fail."""
    return event_xml(
        corp_id,
        create_time,
        "change_external_contact",
        [
            ("ChangeType", change_type),
            ("UserID", userid),
            ("ExternalUserID", external_userid),
            ("State", state or None),
            ("WelcomeCode", welcome_code or None),
            ("Source", source or None),
            ("FailReason", fail_reason or None),
        ],
    )


def chat_event(
    corp_id: str,
    create_time: int,
    chat_id: str,
    change_type: str,
    *,
    update_detail: str | None = None,
    join_scene: int | None = None,
    quit_scene: int | None = None,
    members: Sequence[str] | None = None,
    last_version: str | None = None,
    current_version: str | None = None,
) -> str:
    """``change_external_chat`` (create / update / dismiss)."""
    fields: list[tuple[str, Value]] = [
        ("ChatId", chat_id),
        ("ChangeType", change_type),
        ("UpdateDetail", update_detail),
        ("JoinScene", join_scene),
        ("QuitScene", quit_scene),
    ]
    if members is not None:
        fields += [("MemChangeCnt", len(members)), ("MemChangeList", list(members))]
    fields += [("LastMemVer", last_version), ("CurMemVer", current_version)]
    return event_xml(corp_id, create_time, "change_external_chat", fields)


def tag_event(
    corp_id: str,
    create_time: int,
    tag_id: str,
    change_type: str,
    *,
    tag_type: str | None = None,
    strategy_id: int | None = None,
) -> str:
    """``change_external_tag`` (create / update / delete / shuffle)."""
    return event_xml(
        corp_id,
        create_time,
        "change_external_tag",
        [
            ("Id", tag_id),
            ("TagType", tag_type),
            ("ChangeType", change_type),
            ("StrategyId", strategy_id),
        ],
    )


def member_event(
    corp_id: str,
    create_time: int,
    change_type: str,
    userid: str,
    *,
    name: str | None = None,
    departments: Sequence[int] | None = None,
    status: int | None = None,
) -> str:
    """``change_contact`` about a member: create_user, update_user (Status only when it
    changed), delete_user. Department is one comma-separated text, as WeCom sends it."""
    return event_xml(
        corp_id,
        create_time,
        "change_contact",
        [
            ("ChangeType", change_type),
            ("UserID", userid),
            ("Name", name),
            ("Department", None if departments is None else ",".join(map(str, departments))),
            ("Status", status),
        ],
    )
