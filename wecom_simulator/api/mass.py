"""Mass messages (群发): add_msg_template and the result queries.

A template waits for its senders to confirm in the WeCom client; the control route
``POST /_sim/msg_templates/<msgid>/confirm`` plays that part (:func:`confirm`).
"""

from __future__ import annotations

from typing import Any

from wecom_simulator.api.common import Ctx, page, route
from wecom_simulator.api.content import text_and_attachments
from wecom_simulator.errors import (
    NO_CUSTOMERS,
    STILL_DISPATCHING,
    TOO_MANY_ITEMS,
    ApiError,
    invalid,
)
from wecom_simulator.state import World

MAX_CUSTOMERS = 10_000
MAX_CHATS = 2000

# Recipient status (get_groupmsg_send_result).
NOT_SENT, SENT, NOT_FRIEND, ALREADY_RECEIVED = 0, 1, 2, 3


def matches_tags(tag_ids: list[str], tag_filter: dict[str, Any]) -> bool:
    """OR within a group of ``tag_filter.group_list``, AND across groups."""
    groups = tag_filter.get("group_list") or []
    return all(set(g.get("tag_list") or []) & set(tag_ids) for g in groups)


def single_recipients(ctx: Ctx, sender: str) -> tuple[list[dict[str, Any]], list[str]]:
    world = ctx.world
    wanted = ctx.strings("external_userid", max_items=MAX_CUSTOMERS, errcode=TOO_MANY_ITEMS)
    tag_filter = ctx.obj("tag_filter")
    fail_list: list[str] = []
    pairs: list[tuple[str, str]] = []
    if wanted:
        for external_userid in dict.fromkeys(wanted):
            if sender:  # one lookup, not a walk over every follow (10,000 ids a call)
                found = world.follows.get((sender, external_userid))
                follows = [found] if found is not None else []
            else:
                follows = world.follows_of_customer(external_userid)
            follows = [f for f in follows if matches_tags(f.tag_ids, tag_filter)]
            if follows:
                pairs.append((external_userid, follows[0].userid))
            else:
                fail_list.append(external_userid)
    else:
        seen: set[str] = set()
        candidates = world.follows_of_staff(sender) if sender else list(world.follows.values())
        for follow in candidates:
            if follow.external_userid not in seen and matches_tags(follow.tag_ids, tag_filter):
                seen.add(follow.external_userid)
                pairs.append((follow.external_userid, follow.userid))
    return [
        {"external_userid": e, "userid": u, "status": NOT_SENT, "send_time": 0} for e, u in pairs
    ], fail_list


def group_recipients(ctx: Ctx, sender: str) -> tuple[list[dict[str, Any]], list[str]]:
    chats = ctx.strings("chat_id_list", max_items=MAX_CHATS, errcode=TOO_MANY_ITEMS)
    owned = [
        c.chat_id for c in ctx.world.group_chats.values() if c.owner == sender and c.status == 0
    ]
    if not chats:
        chats = owned
    fail_list = [c for c in chats if c not in owned]
    return [
        {"chat_id": c, "userid": sender, "status": NOT_SENT, "send_time": 0}
        for c in dict.fromkeys(chats)
        if c in owned
    ], fail_list


@route("externalcontact/add_msg_template")
def add_msg_template(ctx: Ctx) -> dict[str, Any]:
    chat_type = ctx.text("chat_type", required=False, default="single")
    if chat_type not in ("single", "group"):
        raise invalid("chat_type must be single or group")
    sender = ctx.text("sender", required=chat_type == "group")
    if sender:
        ctx.staff(sender)
    content, attachments = text_and_attachments(ctx, text_required=True)
    if chat_type == "single":
        recipients, fail_list = single_recipients(ctx, sender)
    else:
        recipients, fail_list = group_recipients(ctx, sender)
    if not recipients:
        raise ApiError(NO_CUSTOMERS, "no valid recipients")
    msgid = ctx.world.new_id("msg")
    senders = list(dict.fromkeys(r["userid"] for r in recipients))
    ctx.world.msg_templates[msgid] = {
        "msgid": msgid,
        "chat_type": chat_type,
        "creator": sender,
        "create_type": 0,
        "create_time": ctx.ts,
        "created_at": ctx.now,
        "text": {"content": content} if content else None,
        "attachments": attachments,
        "tasks": {u: {"userid": u, "status": 0, "send_time": 0} for u in senders},
        "recipients": recipients,
    }
    return {"msgid": msgid, "fail_list": fail_list}


def template(ctx: Ctx) -> dict[str, Any]:
    found = ctx.world.msg_templates.get(ctx.text("msgid"))
    if found is None:
        raise invalid("unknown msgid")
    if ctx.now < found["created_at"] + ctx.config.msg_dispatch_s:
        raise ApiError(STILL_DISPATCHING, "the message is still being dispatched, query later")
    return found


def limit_param(ctx: Ctx, default: int, most: int) -> int:
    limit = ctx.integer("limit", default=default)
    if not 1 <= limit <= most:
        raise invalid(f"limit must be between 1 and {most}")
    return limit


@route("externalcontact/get_groupmsg_list_v2")
def get_groupmsg_list_v2(ctx: Ctx) -> dict[str, Any]:
    chat_type = ctx.text("chat_type")
    start, end = ctx.integer("start_time"), ctx.integer("end_time")
    creator = ctx.text("creator", required=False)
    filter_type = ctx.integer("filter_type", default=2, choices=(0, 1, 2))
    limit = limit_param(ctx, 50, 100)
    found = [
        t
        for t in ctx.world.msg_templates.values()
        if t["chat_type"] == chat_type
        and start <= t["create_time"] <= end
        and (not creator or t["creator"] == creator)
        and (filter_type == 2 or t["create_type"] == filter_type)
    ]
    chunk, next_cursor = page(found, ctx.text("cursor", required=False), limit)
    rows = []
    for t in chunk:
        row = {k: t[k] for k in ("msgid", "creator", "create_time", "create_type", "attachments")}
        if t["text"]:
            row["text"] = t["text"]
        rows.append(row)
    return {"group_msg_list": rows, "next_cursor": next_cursor}


@route("externalcontact/get_groupmsg_task")
def get_groupmsg_task(ctx: Ctx) -> dict[str, Any]:
    found = template(ctx)
    chunk, next_cursor = page(
        list(found["tasks"].values()),
        ctx.text("cursor", required=False),
        limit_param(ctx, 500, 1000),
    )
    return {"task_list": [dict(t) for t in chunk], "next_cursor": next_cursor}


@route("externalcontact/get_groupmsg_send_result")
def get_groupmsg_send_result(ctx: Ctx) -> dict[str, Any]:
    found = template(ctx)
    userid = ctx.text("userid")
    rows = [dict(r) for r in found["recipients"] if r["userid"] == userid]
    chunk, next_cursor = page(rows, ctx.text("cursor", required=False), limit_param(ctx, 500, 1000))
    return {"send_list": chunk, "next_cursor": next_cursor}


def received_today(world: World, external_userid: str, day: int) -> int:
    return sum(
        1
        for t in world.msg_templates.values()
        for r in t["recipients"]
        if r.get("external_userid") == external_userid
        and r["status"] == SENT
        and r["send_time"] // 86_400 == day
    )


def confirm(
    world: World, msgid: str, userid: str | None, now: int, per_day: int | None
) -> dict[str, Any]:
    """The sender(s) confirm in the client: recipients become sent (1), not a friend (2)
    or already received another mass message today (3)."""
    found = world.msg_templates.get(msgid)
    if found is None:
        raise invalid("unknown msgid")
    senders = [userid] if userid else list(found["tasks"])
    counts = {NOT_SENT: 0, SENT: 0, NOT_FRIEND: 0, ALREADY_RECEIVED: 0}
    for sender in senders:
        task = found["tasks"].get(sender)
        if task is None:
            raise invalid(f"{sender} is not a sender of {msgid}")
        if task["status"] == 2:
            continue
        task.update(status=2, send_time=now)
        for row in found["recipients"]:
            if row["userid"] != sender or row["status"] != NOT_SENT:
                continue
            if "chat_id" in row:
                chat = world.group_chats.get(row["chat_id"])
                status = SENT if chat is not None and chat.status == 0 else NOT_FRIEND
            elif (sender, row["external_userid"]) not in world.follows:
                status = NOT_FRIEND
            elif per_day is not None and (
                received_today(world, row["external_userid"], now // 86_400) >= per_day
            ):
                status = ALREADY_RECEIVED
            else:
                status = SENT
            row.update(status=status, send_time=now if status == SENT else 0)
            counts[status] += 1
    return {
        "msgid": msgid,
        "confirmed": senders,
        "sent": counts[SENT],
        "not_friend": counts[NOT_FRIEND],
        "already_received": counts[ALREADY_RECEIVED],
    }
