"""Corporate tags: get_corp_tag_list, add / edit / del_corp_tag, mark_tag."""

from __future__ import annotations

from typing import Any

from wecom_simulator.api.common import Ctx, route
from wecom_simulator.errors import INVALID_TAG_ID, TAG_NAME_EXISTS, ApiError, invalid
from wecom_simulator.state import Tag, TagGroup

NAME_LIMIT = 30


def group_json(group: TagGroup, only: set[str] | None = None) -> dict[str, Any]:
    return {
        "group_id": group.group_id,
        "group_name": group.group_name,
        "create_time": group.create_time,
        "order": group.order,
        "deleted": False,
        "tag": [
            {
                "id": t.id,
                "name": t.name,
                "create_time": t.create_time,
                "order": t.order,
                "deleted": False,
            }
            for t in group.tags.values()
            if only is None or t.id in only
        ],
    }


def name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise invalid(f"{what} is required")
    if len(value) > NAME_LIMIT:
        raise invalid(f"{what} exceeds {NAME_LIMIT} characters")
    return value


@route("externalcontact/get_corp_tag_list")
def get_corp_tag_list(ctx: Ctx) -> dict[str, Any]:
    tag_ids = set(ctx.strings("tag_id"))
    group_ids = set(ctx.strings("group_id"))
    rows = []
    for group in ctx.world.tag_groups.values():
        if group_ids and group.group_id not in group_ids:
            continue
        only = None if group_ids or not tag_ids else tag_ids
        row = group_json(group, only)
        if only is None or row["tag"]:
            rows.append(row)
    return {"tag_group": rows}


@route("externalcontact/add_corp_tag")
def add_corp_tag(ctx: Ctx) -> dict[str, Any]:
    world = ctx.world
    tags = ctx.params.get("tag")
    if not isinstance(tags, list) or not tags:
        raise invalid("tag must be a non-empty list")
    names = [name(t.get("name") if isinstance(t, dict) else None, "tag.name") for t in tags]
    group_id = ctx.text("group_id", required=False)
    if group_id:
        group = world.tag_groups.get(group_id)
        if group is None:
            raise ApiError(INVALID_TAG_ID, "invalid group_id")
    else:
        group_name = name(ctx.params.get("group_name"), "group_name")
        existing = [g for g in world.tag_groups.values() if g.group_name == group_name]
        if existing:
            group = existing[0]
        else:
            group = TagGroup(
                world.new_id("et"), group_name, ctx.ts, ctx.integer("order", default=0)
            )
            world.tag_groups[group.group_id] = group
    taken = {t.name for t in group.tags.values()}
    if len(set(names)) != len(names) or taken & set(names):
        raise ApiError(TAG_NAME_EXISTS, "tag name already exists in the group")
    created: set[str] = set()
    for item, tag_name in zip(tags, names, strict=True):
        tag = Tag(world.new_id("et"), tag_name, ctx.ts, int(item.get("order") or 0))
        group.tags[tag.id] = tag
        created.add(tag.id)
    return {"tag_group": group_json(group, created)}


@route("externalcontact/edit_corp_tag")
def edit_corp_tag(ctx: Ctx) -> dict[str, Any]:
    target = ctx.text("id")
    new_name = name(ctx.params["name"], "name") if "name" in ctx.params else None
    order = ctx.integer("order") if "order" in ctx.params else None
    group = ctx.world.tag_groups.get(target)
    if group is not None:
        if new_name is not None:
            if any(
                g.group_name == new_name and g is not group for g in ctx.world.tag_groups.values()
            ):
                raise ApiError(TAG_NAME_EXISTS, "group name already exists")
            group.group_name = new_name
        if order is not None:
            group.order = order
        return {}
    found = ctx.world.tag(target)
    if found is None:
        raise ApiError(INVALID_TAG_ID, "invalid tag id")
    owner, tag = found
    if new_name is not None:
        if any(t.name == new_name and t is not tag for t in owner.tags.values()):
            raise ApiError(TAG_NAME_EXISTS, "tag name already exists in the group")
        tag.name = new_name
    if order is not None:
        tag.order = order
    return {}


@route("externalcontact/del_corp_tag")
def del_corp_tag(ctx: Ctx) -> dict[str, Any]:
    world = ctx.world
    tag_ids, group_ids = ctx.strings("tag_id"), ctx.strings("group_id")
    if not tag_ids and not group_ids:
        raise invalid("tag_id or group_id is required")
    for tag_id in tag_ids:
        if world.tag(tag_id) is None:
            raise ApiError(INVALID_TAG_ID, f"invalid tag id {tag_id}")
    for group_id in group_ids:
        if group_id not in world.tag_groups:
            raise ApiError(INVALID_TAG_ID, f"invalid group id {group_id}")
    removed: set[str] = set()
    for group_id in group_ids:
        removed |= set(world.tag_groups.pop(group_id).tags)
    for tag_id in tag_ids:
        found = world.tag(tag_id)
        if found:
            group, _ = found
            del group.tags[tag_id]
            removed.add(tag_id)
            if not group.tags:  # a group without tags is deleted with its last tag
                world.tag_groups.pop(group.group_id, None)
    for follow in world.follows.values():
        follow.tag_ids = [t for t in follow.tag_ids if t not in removed]
    return {}


@route("externalcontact/mark_tag")
def mark_tag(ctx: Ctx) -> dict[str, Any]:
    follow = ctx.follow(ctx.text("userid"), ctx.text("external_userid"))
    add, remove = ctx.strings("add_tag"), ctx.strings("remove_tag")
    if not add and not remove:
        raise invalid("add_tag or remove_tag is required")
    for tag_id in add + remove:
        if ctx.world.tag(tag_id) is None:
            raise ApiError(INVALID_TAG_ID, f"invalid tag id {tag_id}")
    tags = [t for t in follow.tag_ids if t not in remove]
    tags += [t for t in dict.fromkeys(add) if t not in tags]
    follow.tag_ids = tags
    return {}
