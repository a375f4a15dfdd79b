"""externalcontact/send_welcome_msg: a WelcomeCode is valid for a short time, once."""

from __future__ import annotations

from typing import Any

from wecom_simulator.api.common import Ctx, route
from wecom_simulator.api.content import text_and_attachments
from wecom_simulator.errors import WELCOME_CODE_INVALID, WELCOME_CODE_USED, ApiError


@route("externalcontact/send_welcome_msg")
def send_welcome_msg(ctx: Ctx) -> dict[str, Any]:
    code = ctx.world.welcome_codes.get(ctx.text("welcome_code"))
    if code is None:
        raise ApiError(WELCOME_CODE_INVALID, "invalid welcome_code")
    if code.used:
        raise ApiError(WELCOME_CODE_USED, "welcome message already sent for this welcome_code")
    if ctx.now >= code.expires_at:
        raise ApiError(WELCOME_CODE_INVALID, "welcome_code expired")
    content, attachments = text_and_attachments(ctx, text_required=True)
    code.used = True
    ctx.world.welcome_messages.append(
        {
            "welcome_code": code.code,
            "userid": code.userid,
            "external_userid": code.external_userid,
            "text": content,
            "attachments": attachments,
            "time": ctx.ts,
        }
    )
    return {}
