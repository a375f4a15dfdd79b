"""联系我 contact ways: add / get / update / del / list_contact_way."""

from __future__ import annotations

from typing import Any

from wecom_simulator.api.common import Ctx, page, route
from wecom_simulator.errors import CONTACT_WAY_TOO_MANY_USERS, ApiError, invalid

MAX_USERS = 100
MAX_EXPIRES_S = 14 * 86_400
FIELDS = (
    "type",
    "scene",
    "style",
    "remark",
    "skip_verify",
    "state",
    "user",
    "party",
    "is_temp",
    "expires_in",
    "chat_expires_in",
    "unionid",
    "is_exclusive",
    "conclusions",
)


def qr_url(ctx: Ctx, config_id: str) -> str:
    return f"{ctx.base_url}/qr/{config_id}.png"


def validate(ctx: Ctx, way: dict[str, Any]) -> None:
    """Check a whole way (after an update merged the sent fields in)."""
    if way.get("type") not in (1, 2):
        raise invalid("type must be 1 (single) or 2 (multi)")
    if way.get("scene") not in (1, 2):
        raise invalid("scene must be 1 (mini program) or 2 (QR code)")
    if len(str(way.get("state") or "")) > 30:
        raise invalid("state exceeds 30 characters")
    if len(str(way.get("remark") or "")) > 30:
        raise invalid("remark exceeds 30 characters")
    users = way.get("user") or []
    if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
        raise invalid("user must be a list of userids")
    if len(users) > MAX_USERS:
        raise ApiError(CONTACT_WAY_TOO_MANY_USERS, f"a contact way takes at most {MAX_USERS} users")
    parties = way.get("party") or []
    if way["type"] == 1 and (len(users) != 1 or parties):
        raise invalid("a type 1 contact way takes exactly one user")
    if way["type"] == 2 and not users and not parties:
        raise invalid("user or party is required")
    for userid in users:
        ctx.staff(userid)
    if way.get("is_temp"):
        expires_in = int(way.get("expires_in") or 7 * 86_400)
        if not 0 < expires_in <= MAX_EXPIRES_S:
            raise invalid("expires_in must be at most 14 days")
        way["expires_in"] = expires_in


def sent_fields(ctx: Ctx) -> dict[str, Any]:
    fields = {k: ctx.params[k] for k in FIELDS if k in ctx.params}
    for name in ("type", "scene", "style", "expires_in", "chat_expires_in"):
        if name in fields:
            fields[name] = ctx.integer(name)
    return fields


def find(ctx: Ctx) -> dict[str, Any]:
    config_id = ctx.text("config_id")
    way = ctx.world.contact_ways.get(config_id)
    if way is None:
        raise invalid("unknown config_id")
    return way


@route("externalcontact/add_contact_way")
def add_contact_way(ctx: Ctx) -> dict[str, Any]:
    way: dict[str, Any] = {"skip_verify": True, "style": 1, **sent_fields(ctx)}
    validate(ctx, way)
    config_id = ctx.world.new_id("cw")
    way["config_id"] = config_id
    way["create_time"] = ctx.ts
    if way["scene"] == 2:
        way["qr_code"] = qr_url(ctx, config_id)
    ctx.world.contact_ways[config_id] = way
    answer = {"config_id": config_id}
    if "qr_code" in way:
        answer["qr_code"] = way["qr_code"]
    return answer


@route("externalcontact/get_contact_way")
def get_contact_way(ctx: Ctx) -> dict[str, Any]:
    way = dict(find(ctx))
    way.pop("create_time", None)
    return {"contact_way": way}


@route("externalcontact/update_contact_way")
def update_contact_way(ctx: Ctx) -> dict[str, Any]:
    way = find(ctx)
    changes = {k: v for k, v in sent_fields(ctx).items() if k not in ("type", "scene")}
    merged = {**way, **changes}
    validate(ctx, merged)
    way.update(merged)
    return {}


@route("externalcontact/del_contact_way")
def del_contact_way(ctx: Ctx) -> dict[str, Any]:
    way = find(ctx)
    del ctx.world.contact_ways[way["config_id"]]
    return {}


@route("externalcontact/list_contact_way")
def list_contact_way(ctx: Ctx) -> dict[str, Any]:
    start = ctx.integer("start_time", default=0)
    end = ctx.integer("end_time", default=2**31)
    limit = ctx.integer("limit", default=100)
    if not 1 <= limit <= 1000:
        raise invalid("limit must be between 1 and 1000")
    ways = [w for w in ctx.world.contact_ways.values() if start <= w["create_time"] <= end]
    chunk, next_cursor = page(ways, ctx.text("cursor", required=False), limit)
    return {
        "contact_way": [{"config_id": w["config_id"]} for w in chunk],
        "next_cursor": next_cursor,
    }
