"""Customer groups: groupchat/list, get, join ways (group live codes), statistic, transfer."""

from __future__ import annotations

from typing import Any

from wecom_simulator.api.common import Ctx, page, route
from wecom_simulator.errors import INVALID_CHAT_ID, INVALID_PARAMETER, ApiError, invalid
from wecom_simulator.state import GroupChat

DAY = 86_400
JOIN_WAY_CHATS = 5


def chat(ctx: Ctx, chat_id: str) -> GroupChat:
    found = ctx.world.group_chats.get(chat_id)
    if found is None:
        raise ApiError(INVALID_CHAT_ID, f"invalid chat_id {chat_id}")
    return found


def owners(ctx: Ctx, *, required: bool) -> list[str]:
    owner_filter = ctx.obj("owner_filter")
    if required and not owner_filter.get("userid_list"):
        raise invalid("owner_filter.userid_list is required")
    userids = owner_filter.get("userid_list") or []
    if not isinstance(userids, list) or len(userids) > 100:
        raise invalid("owner_filter.userid_list takes at most 100 userids")
    return [str(u) for u in userids]


@route("externalcontact/groupchat/list")
def list_chats(ctx: Ctx) -> dict[str, Any]:
    status_filter = ctx.integer("status_filter", default=0, choices=(0, 1, 2, 3))
    userids = owners(ctx, required=False)
    limit = ctx.integer("limit", default=100)
    if not 1 <= limit <= 1000:
        raise invalid("limit must be between 1 and 1000")
    chats = [
        c
        for c in ctx.world.group_chats.values()
        if (not userids or c.owner in userids) and (status_filter == 0 or c.status == status_filter)
    ]
    chunk, next_cursor = page(chats, ctx.text("cursor", required=False), limit)
    return {
        "group_chat_list": [{"chat_id": c.chat_id, "status": c.status} for c in chunk],
        "next_cursor": next_cursor,
    }


@route("externalcontact/groupchat/get")
def get_chat(ctx: Ctx) -> dict[str, Any]:
    found = chat(ctx, ctx.text("chat_id"))
    need_name = bool(ctx.integer("need_name", default=0))
    members = []
    for m in found.members.values():
        row: dict[str, Any] = {
            "userid": m.userid,
            "type": m.type,
            "join_time": m.join_time,
            "join_scene": m.join_scene,
            "group_nickname": "",
        }
        if m.invitor:
            row["invitor"] = {"userid": m.invitor}
        if m.unionid:
            row["unionid"] = m.unionid
        if need_name:
            row["name"] = m.name
        members.append(row)
    return {
        "group_chat": {
            "chat_id": found.chat_id,
            "name": found.name,
            "owner": found.owner,
            "create_time": found.create_time,
            "notice": found.notice,
            "member_list": members,
            "admin_list": [{"userid": u} for u in found.admin_list],
            "member_version": found.version(),
        }
    }


def join_way_fields(ctx: Ctx, way: dict[str, Any]) -> dict[str, Any]:
    merged = dict(way)
    for key in ("scene", "auto_create_room", "room_base_id"):
        if key in ctx.params:
            merged[key] = ctx.integer(key)
    for key in ("remark", "room_base_name", "state", "mark_source"):
        if key in ctx.params:
            merged[key] = ctx.params[key]
    if "chat_id_list" in ctx.params:
        merged["chat_id_list"] = ctx.strings("chat_id_list")
    if merged.get("scene") not in (1, 2):
        raise invalid("scene must be 1 (mini program) or 2 (QR code)")
    chats = merged.get("chat_id_list") or []
    if not chats or len(chats) > JOIN_WAY_CHATS:
        raise invalid(f"chat_id_list takes 1 to {JOIN_WAY_CHATS} chats")
    for chat_id in chats:
        chat(ctx, chat_id)
    if len(str(merged.get("state") or "")) > 30:
        raise invalid("state exceeds 30 characters")
    if len(str(merged.get("remark") or "")) > 30:
        raise invalid("remark exceeds 30 characters")
    return merged


def join_way(ctx: Ctx) -> dict[str, Any]:
    found = ctx.world.join_ways.get(ctx.text("config_id"))
    if found is None:
        raise invalid("unknown config_id")
    return found


@route("externalcontact/groupchat/add_join_way")
def add_join_way(ctx: Ctx) -> dict[str, Any]:
    way = join_way_fields(ctx, {"auto_create_room": 1})
    config_id = ctx.world.new_id("jw")
    way["config_id"] = config_id
    way["qr_code"] = f"{ctx.base_url}/qr/{config_id}.png"
    ctx.world.join_ways[config_id] = way
    return {"config_id": config_id}


@route("externalcontact/groupchat/get_join_way")
def get_join_way(ctx: Ctx) -> dict[str, Any]:
    return {"join_way": dict(join_way(ctx))}


@route("externalcontact/groupchat/update_join_way")
def update_join_way(ctx: Ctx) -> dict[str, Any]:
    way = join_way(ctx)
    way.update(join_way_fields(ctx, way))
    return {}


@route("externalcontact/groupchat/del_join_way")
def del_join_way(ctx: Ctx) -> dict[str, Any]:
    del ctx.world.join_ways[join_way(ctx)["config_id"]]
    return {}


@route("externalcontact/groupchat/statistic")
def statistic(ctx: Ctx) -> dict[str, Any]:
    begin = ctx.integer("day_begin_time")
    end = ctx.integer("day_end_time", default=begin)
    if end < begin or end - begin > 30 * DAY:
        raise invalid("the day range must span at most 30 days")
    userids = owners(ctx, required=True)
    end_of_range = end + DAY
    items = []
    for owner in userids:
        chats = [c for c in ctx.world.group_chats.values() if c.owner == owner]
        live = [c for c in chats if c.create_time < end_of_range and c.status == 0]
        members = [m for c in live for m in c.members.values()]
        items.append(
            {
                "owner": owner,
                "data": {
                    "new_chat_cnt": sum(1 for c in chats if begin <= c.create_time < end_of_range),
                    "chat_total": len(live),
                    "chat_has_msg": 0,
                    "new_member_cnt": sum(
                        1 for m in members if begin <= m.join_time < end_of_range
                    ),
                    "member_total": len(members),
                    "member_has_msg": 0,
                    "msg_total": 0,
                    "migrate_trainee_chat_cnt": 0,
                },
            }
        )
    offset = ctx.integer("offset", default=0)
    limit = ctx.integer("limit", default=500)
    return {
        "total": len(items),
        "next_offset": min(offset + limit, len(items)),
        "items": items[offset : offset + limit],
    }


@route("externalcontact/groupchat/transfer", "externalcontact/groupchat/onjob_transfer")
def transfer_chats(ctx: Ctx) -> dict[str, Any]:
    chat_ids = ctx.strings("chat_id_list", required=True, max_items=100)
    new_owner = ctx.text("new_owner")
    ctx.staff(new_owner)
    failed = []
    for chat_id in chat_ids:
        found = ctx.world.group_chats.get(chat_id)
        if found is None:
            failed.append(
                {"chat_id": chat_id, "errcode": INVALID_CHAT_ID, "errmsg": "invalid chat_id"}
            )
        elif found.owner == new_owner:
            failed.append(
                {
                    "chat_id": chat_id,
                    "errcode": INVALID_PARAMETER,
                    "errmsg": "the new owner already owns the chat",
                }
            )
        else:
            found.owner = new_owner
    return {"failed_chat_list": failed}
