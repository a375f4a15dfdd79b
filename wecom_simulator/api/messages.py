"""message/send: application messages to staff (reminders, alerts), recorded.

WeCom's duplicate check: with ``"enable_duplicate_check": 1`` a message whose request JSON
is the same as one sent within ``duplicate_check_interval`` seconds (default 1800, at most
4 hours) is not delivered again; the call still succeeds.
"""

from __future__ import annotations

import json
from typing import Any

from wecom_simulator.api.common import Ctx, route
from wecom_simulator.errors import ALL_RECIPIENTS_INVALID, INVALID_AGENT_ID, ApiError, invalid

MSGTYPES = ("text", "textcard", "markdown")
DUPLICATE_CHECK_DEFAULT_S = 1800
DUPLICATE_CHECK_MAX_S = 4 * 3600


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
    check_key, interval = _duplicate_check(ctx)
    if check_key is not None:
        seen = ctx.world.app_message_checks.get(check_key)
        if seen is not None and ctx.ts - seen[0] < interval:
            return {"msgid": seen[1]}  # the same request within the interval: not delivered
    msgid = ctx.world.new_id("am")
    if check_key is not None:
        ctx.world.app_message_checks[check_key] = (ctx.ts, msgid)
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


def _duplicate_check(ctx: Ctx) -> tuple[str | None, int]:
    """The request's identity for the duplicate check and its interval, when enabled."""
    try:
        enabled = int(ctx.params.get("enable_duplicate_check") or 0)
        raw = ctx.params.get("duplicate_check_interval")
        interval = DUPLICATE_CHECK_DEFAULT_S if raw in (None, "") else int(raw)
    except (TypeError, ValueError) as error:
        raise invalid("enable_duplicate_check and duplicate_check_interval are integers") from error
    if enabled not in (0, 1):
        raise invalid("enable_duplicate_check must be 0 or 1")
    if not enabled:
        return None, 0
    if not 0 < interval <= DUPLICATE_CHECK_MAX_S:
        raise invalid("duplicate_check_interval must be between 1 and 14400 seconds")
    return json.dumps(ctx.params, sort_keys=True, ensure_ascii=False, default=str), interval
