"""Members of the corp: user/get."""

from __future__ import annotations

from typing import Any

from wecom_simulator.api.common import Ctx, route
from wecom_simulator.errors import USER_NOT_FOUND, ApiError


@route("user/get")
def get_user(ctx: Ctx) -> dict[str, Any]:
    userid = ctx.text("userid")
    member = ctx.world.staff.get(userid)
    if member is None:
        raise ApiError(USER_NOT_FOUND, "userid not found")
    return member.to_json()
