"""message/send: application messages to staff (reminders, alerts), recorded."""

from __future__ import annotations

from typing import Any

from wecom_simulator.api.common import Ctx, route
from wecom_simulator.errors import ALL_RECIPIENTS_INVALID, INVALID_AGENT_ID, ApiError, invalid

MSGTYPES = ("text", "textcard", "markdown")


@route("message/send")
def send(ctx: Ctx) -> dict[str, Any]:
    if str(ctx.params.get("agentid", "")) != ctx.config.agent_id:
        raise ApiError(INVALID_AGENT_ID, "invalid agentid")
    msgtype = ctx.text("msgtype")
    if msgtype not in MSGTYPES:
        raise invalid(f"msgtype must be one of {list(MSGTYPES)}")
    payload = ctx.obj(msgtype)
    if msgtype in ("text", "markdown") and not payload.get("content"):
        raise invalid(f"{msgtype}.content is required")
    if msgtype == "textcard" and not (
        payload.get("title") and payload.get("description") and payload.get("url")
    ):
        raise invalid("textcard needs title, description and url")
    touser = ctx.text("touser")
    if touser == "@all":
        valid, wrong = [s.userid for s in ctx.world.staff.values()], []
    else:
        ids = [u for u in touser.split("|") if u]
        valid = [u for u in ids if ctx.world.active_staff(u)]
        wrong = [u for u in ids if u not in valid]
    if not valid:
        raise ApiError(ALL_RECIPIENTS_INVALID, "all recipients are invalid")
    msgid = ctx.world.new_id("am")
    ctx.world.app_messages.append(
        {
            "msgid": msgid,
            "touser": valid,
            "msgtype": msgtype,
            msgtype: payload,
            "time": ctx.ts,
        }
    )
    answer: dict[str, Any] = {"msgid": msgid}
    if wrong:
        answer["invaliduser"] = "|".join(wrong)
    return answer
