"""The demo's SOP chapter: a welcome SOP whose day-0 and day-1 steps go out on simulated
days, each confirmed by the staff member in the (simulated) WeCom client, then the funnel.

The SOP tick is the scheduled function ``sop_tick``; here it runs in the demo's process
against the same DynamoDB Local and simulator, with ``now`` set to the simulated time, so
the story needs no real day to pass.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from local_stack.demo.client import Demo, say, step

SHANGHAI = ZoneInfo("Asia/Shanghai")
PLAN = {
    "name": "商场新客欢迎",
    "trigger": {"kind": "contact_added", "channels": ["mall"]},
    "steps": [
        {
            "id": "d0",
            "name": "当天问候",
            "delay_minutes": 0,
            "content": {"text": "欢迎加入！我是{staff}，有任何问题随时找我。"},
        },
        {
            "id": "d1",
            "name": "次日到店礼",
            "day": 1,
            "at": "10:00",
            "content": {
                "text": "{staff} 提醒您：今天到店出示此消息享 9 折。",
                "attachments": [
                    {"type": "link", "title": "门店地址", "url": "https://shop.example.com/mall"}
                ],
            },
        },
    ],
    "exit_on": ["order", "deleted"],
}


def welcome_sop(demo: Demo, first_step: int) -> None:

    api, sim = demo.api, demo.sim
    step(first_step, "An operator saves a welcome SOP for the mall channel: day 0, day 1 10:00")
    demo.call("PUT", f"{api}/admin/sop/plans/mall-welcome", PLAN, role="operator")
    say("PUT /admin/sop/plans/mall-welcome: trigger contact_added (mall), steps d0 and d1")

    # Simulated time: tomorrow 09:30 in Shanghai, whatever the hour of the run.
    today = datetime.now(SHANGHAI).date()
    morning = datetime.combine(today + timedelta(days=1), datetime.min.time(), SHANGHAI)
    added_at = int((morning + timedelta(hours=9, minutes=30)).timestamp())
    demo.call("POST", f"{sim}/_sim/clock", {"offset_s": added_at - time.time()})

    step(first_step + 1, "At 09:30 (simulated) a customer scans the mall poster and adds wangwu")
    added = demo.call(
        "POST",
        f"{sim}/_sim/customers/add",
        {"userid": "wangwu", "name": "韩梅梅", "state": "mall"},
    )
    customer = added["external_userid"]
    demo.processed(added["xml"])
    say(f"{customer} added wangwu; the add entered the SOP (both steps planned)")

    tick = _tick_in_process(demo)
    day0 = _send_and_confirm(demo, tick, added_at + 60, "d0")
    say(f"09:31 tick: add_msg_template to {day0['external_userid']}: {day0['text']['content']}")
    day1_at = int((morning + timedelta(days=1, hours=10)).timestamp())
    if tick(day1_at - 60).calls:
        raise SystemExit("the day-1 step went out before its time")
    say("next day 09:59 tick: nothing due yet")
    day1 = _send_and_confirm(demo, tick, day1_at, "d1")
    say(f"next day 10:00 tick: add_msg_template: {day1['text']['content']}")
    reminders = [c["body"]["touser"] for c in demo.sim_calls("message/send")]
    say(f"wangwu was reminded to confirm each send: {reminders.count('wangwu')} app messages")

    step(first_step + 2, "The SOP funnel, node by node")
    funnel = demo.call("GET", f"{api}/admin/sop/plans/mall-welcome/funnel", role="viewer")
    for row in funnel["steps"]:
        say(
            f"{row['step_id']}: targeted {row['targeted']}  sent {row['sent']}  "
            f"delivered {row['delivered']}  staff confirmed {row['confirmation_rate']:.0%}  "
            f"orders {row['orders']}"
        )
    if [(r["sent"], r["delivered"]) for r in funnel["steps"]] != [(1, 1), (1, 1)]:
        raise SystemExit("the SOP funnel does not show both steps delivered")
    demo.call("POST", f"{sim}/_sim/clock", {"offset_s": 0})


def _tick_in_process(demo: Demo) -> Any:
    """``sop_tick`` at a chosen time, against the local stack."""
    os.environ.update(demo.stack.config.app_env())
    from chalicelib.core.settings import reset_settings
    from chalicelib.sop import tick
    from chalicelib.wecom.client import reset_client

    reset_settings()
    reset_client()
    return tick.run


def _send_and_confirm(demo: Demo, tick: Any, at: int, step_id: str) -> dict[str, Any]:
    """One tick sends the step, the sender confirms in the client, a later tick reads
    WeCom's send result."""
    before = len(demo.sim_calls("externalcontact/add_msg_template"))
    report = tick(at)
    calls = demo.sim_calls("externalcontact/add_msg_template")
    if report.calls != 1 or len(calls) != before + 1:
        raise SystemExit(f"step {step_id} was not sent once at its time")
    msgid = calls[-1]["answer"]["msgid"]
    demo.call("POST", f"{demo.sim}/_sim/clock", {"offset_s": at + 5 * 60 - time.time()})
    demo.call("POST", f"{demo.sim}/_sim/msg_templates/{msgid}/confirm", {})
    tick(at + 11 * 60)  # the result poll
    return dict(calls[-1]["body"])
