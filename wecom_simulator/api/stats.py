"""get_user_behavior_data: per-day figures derived from what happened in the simulator."""

from __future__ import annotations

from typing import Any

from wecom_simulator.api.common import Ctx, route
from wecom_simulator.errors import invalid

DAY = 86_400
CHINA_OFFSET = 8 * 3600
MAX_SPAN_DAYS = 30


def day_start(ts: int) -> int:
    """Midnight (China time, as WeCom counts days) of the day holding ``ts``."""
    return (ts + CHINA_OFFSET) // DAY * DAY - CHINA_OFFSET


@route("externalcontact/get_user_behavior_data")
def get_user_behavior_data(ctx: Ctx) -> dict[str, Any]:
    userids = ctx.strings("userid", max_items=100)
    parties = ctx.params.get("partyid") or []
    if not userids and not parties:
        raise invalid("userid or partyid is required")
    for userid in userids:
        ctx.staff(userid)
    if parties:
        userids += [
            s.userid
            for s in ctx.world.staff.values()
            if set(s.department) & {int(p) for p in parties} and s.userid not in userids
        ]
    start, end = day_start(ctx.integer("start_time")), day_start(ctx.integer("end_time"))
    if end < start or (end - start) // DAY + 1 > MAX_SPAN_DAYS:
        raise invalid(f"the time range must span 1 to {MAX_SPAN_DAYS} days")
    wanted = set(userids)
    rows = []
    for stat_time in range(start, end + DAY, DAY):

        def counted(kind: str, stat_time: int = stat_time) -> int:
            return sum(
                1
                for when, userid, what in ctx.world.history
                if what == kind and userid in wanted and day_start(when) == stat_time
            )

        added = counted("add")
        sent = sum(
            1
            for t in ctx.world.msg_templates.values()
            for r in t["recipients"]
            if r["userid"] in wanted and r["status"] == 1 and day_start(r["send_time"]) == stat_time
        ) + sum(
            1
            for w in ctx.world.welcome_messages
            if w["userid"] in wanted and day_start(w["time"]) == stat_time
        )
        chats = added + counted("chat")
        rows.append(
            {
                "stat_time": stat_time,
                "chat_cnt": chats,
                "message_cnt": sent,
                "reply_percentage": 100.0 if chats else 0.0,
                "avg_reply_time": 1 if chats else 0,
                "negative_feedback_cnt": counted("del_follow_user"),
                "new_apply_cnt": added,
                "new_contact_cnt": added,
            }
        )
    return {"behavior_data": rows}
