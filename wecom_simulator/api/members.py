"""Members and sign-in: ``auth/getuserinfo``, ``user/get``, ``department/list``, and the
address book as an app lists it: ``department/simplelist``, ``user/simplelist``.

``auth/getuserinfo`` consumes a code issued by the sign-in pages (:mod:`wecom_simulator.login`):
once only, within five minutes, else 40029 (invalid code), as WeCom does. ``user/get``
answers what a self-built app created after 2022-06-20 still gets: no avatar, gender,
mobile, email, biz mail, QR code or address.
"""

from __future__ import annotations

from typing import Any

from wecom_simulator.api.common import Ctx, route
from wecom_simulator.errors import USER_NOT_FOUND, ApiError

INVALID_CODE = 40029


@route("auth/getuserinfo")
def get_user_info(ctx: Ctx) -> dict[str, Any]:
    code = ctx.text("code")
    issued = ctx.world.login_codes.get(code)
    if issued is None or issued.used or ctx.now >= issued.expires_at:
        raise ApiError(INVALID_CODE, "invalid code")
    issued.used = True
    member = ctx.world.staff.get(issued.userid)
    if member is None:
        # Not (or no longer) a member: WeCom answers the visitor's openid instead.
        return {"openid": f"o{issued.userid}"}
    return {"userid": member.userid, "user_ticket": f"ticket-{code[:8]}", "expires_in": 1800}


@route("user/get")
def get_user(ctx: Ctx) -> dict[str, Any]:
    userid = ctx.text("userid")
    member = ctx.world.staff.get(userid)
    if member is None:
        raise ApiError(USER_NOT_FOUND, f"userid not found: {userid}")
    return {
        "userid": member.userid,
        "name": member.name,
        "department": list(member.department),
        "main_department": member.department[0] if member.department else 1,
        "position": "",
        "status": member.status,
        "isleader": 0,
        "enable": 1 if member.status == 1 else 0,
    }


@route("department/list")
def list_departments(ctx: Ctx) -> dict[str, Any]:
    wanted = ctx.params.get("id")
    nodes = [
        {"id": d, "name": name, "parentid": parent, "order": 100000 - d}
        for d, (name, parent) in sorted(ctx.world.departments.items())
    ]
    if wanted not in (None, ""):
        root = int(wanted)
        keep = {root}
        for node in nodes:  # sorted by id: parents come first in the default tree
            if node["parentid"] in keep:
                keep.add(node["id"])
        nodes = [n for n in nodes if n["id"] in keep]
    return {"department": nodes}


DEPARTMENT_NOT_FOUND = 60123


def _below(ctx: Ctx, top: int) -> list[int]:
    """``top`` and every department under it, in id order."""
    keep = {top}
    for d, (_, parent) in sorted(ctx.world.departments.items()):
        if parent in keep:
            keep.add(d)
    return sorted(keep)


@route("department/simplelist")
def department_simplelist(ctx: Ctx) -> dict[str, Any]:
    """The department (``id``, default the root) and every department below it."""
    top = ctx.integer("id", default=1)
    if top not in ctx.world.departments:
        raise ApiError(DEPARTMENT_NOT_FOUND, f"department not found: {top}")
    return {
        "department_id": [
            {"id": d, "parentid": ctx.world.departments[d][1], "order": 100000 - d}
            for d in _below(ctx, top)
        ]
    }


@route("user/simplelist")
def user_simplelist(ctx: Ctx) -> dict[str, Any]:
    """The active members of one department (not of the departments below it): userid,
    name, departments."""
    department = ctx.integer("department_id")
    if department not in ctx.world.departments:
        raise ApiError(DEPARTMENT_NOT_FOUND, f"department not found: {department}")
    members = [
        m
        for m in ctx.world.staff.values()
        if department in m.department and ctx.world.active_staff(m.userid)
    ]
    return {
        "userlist": [
            {"userid": m.userid, "name": m.name, "department": list(m.department)}
            for m in sorted(members, key=lambda m: m.userid)
        ]
    }
