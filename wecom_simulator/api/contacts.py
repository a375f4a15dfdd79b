"""Customers: externalcontact/get, list, batch/get_by_user, remark."""

from __future__ import annotations

from typing import Any

from wecom_simulator.api.common import Ctx, page, route
from wecom_simulator.errors import NO_RELATIONSHIP, ApiError, invalid

FOLLOW_PAGE = 500


@route("externalcontact/get")
def get_contact(ctx: Ctx) -> dict[str, Any]:
    external_userid = ctx.text("external_userid")
    ctx.customer(external_userid)
    follows = ctx.world.follows_of_customer(external_userid)
    if not follows:
        raise ApiError(NO_RELATIONSHIP, "no member of the corp has this customer")
    chunk, next_cursor = page(follows, ctx.text("cursor", required=False), FOLLOW_PAGE)
    answer: dict[str, Any] = {
        "external_contact": ctx.world.customers[external_userid].to_json(),
        "follow_user": [ctx.world.follow_json(f) for f in chunk],
    }
    if next_cursor:
        answer["next_cursor"] = next_cursor
    return answer


@route("externalcontact/list")
def list_contacts(ctx: Ctx) -> dict[str, Any]:
    userid = ctx.text("userid")
    ctx.staff(userid)
    return {"external_userid": [f.external_userid for f in ctx.world.follows_of_staff(userid)]}


@route("externalcontact/batch/get_by_user")
def batch_get_by_user(ctx: Ctx) -> dict[str, Any]:
    userids = ctx.strings("userid_list", required=True, max_items=100)
    limit = ctx.integer("limit", default=50)
    if not 1 <= limit <= 100:
        raise invalid("limit must be between 1 and 100")
    for userid in userids:
        ctx.staff(userid)
    follows = [f for u in userids for f in ctx.world.follows_of_staff(u)]
    chunk, next_cursor = page(follows, ctx.text("cursor", required=False), limit)
    contacts = []
    for follow in chunk:
        info = ctx.world.follow_json(follow)
        info["tag_id"] = [t["tag_id"] for t in info.pop("tags")]
        contacts.append(
            {
                "external_contact": ctx.world.customers[follow.external_userid].to_json(),
                "follow_info": info,
            }
        )
    return {"external_contact_list": contacts, "next_cursor": next_cursor}


@route("externalcontact/remark")
def remark(ctx: Ctx) -> dict[str, Any]:
    follow = ctx.follow(ctx.text("userid"), ctx.text("external_userid"))
    if "remark" in ctx.params:
        follow.remark = ctx.text("remark", required=False, max_len=20)
    if "description" in ctx.params:
        follow.description = ctx.text("description", required=False, max_len=150)
    if "remark_mobiles" in ctx.params:
        follow.remark_mobiles = ctx.strings("remark_mobiles")
    if "remark_company" in ctx.params:
        ctx.world.customers[follow.external_userid].corp_name = ctx.text(
            "remark_company", required=False
        )
    return {}
