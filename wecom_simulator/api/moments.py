"""Moments (朋友圈): add_moment_task (10 per minute per corp) and get_moment_task_result."""

from __future__ import annotations

from typing import Any

from wecom_simulator.api.common import Ctx, route
from wecom_simulator.errors import FREQUENCY_LIMIT, ApiError, invalid

TEXT_LIMIT_CHARS = 2000


@route("externalcontact/add_moment_task")
def add_moment_task(ctx: Ctx) -> dict[str, Any]:
    if not ctx.limiter.hit("moment_tasks", ctx.now, ctx.config.moment_tasks_per_minute):
        raise ApiError(
            FREQUENCY_LIMIT,
            f"add_moment_task: at most {ctx.config.moment_tasks_per_minute} per minute",
        )
    content = str(ctx.obj("text").get("content") or "")
    if len(content) > TEXT_LIMIT_CHARS:
        raise invalid(f"text.content exceeds {TEXT_LIMIT_CHARS} characters")
    attachments = ctx.params.get("attachments") or []
    if not isinstance(attachments, list):
        raise invalid("attachments must be a list")
    kinds = [a.get("msgtype") for a in attachments if isinstance(a, dict)]
    images = kinds.count("image")
    others = [k for k in kinds if k != "image"]
    if len(kinds) != len(attachments) or any(k not in ("video", "link") for k in others):
        raise invalid("attachments must be image, video or link")
    if images > 9 or (others and (images or len(others) > 1)):
        raise invalid("at most 9 images, or 1 video, or 1 link")
    if not content and not attachments:
        raise invalid("text or attachments required")
    visible = ctx.obj("visible_range")
    senders = (visible.get("sender_list") or {}).get("user_list") or []
    invalid_senders = [u for u in senders if not ctx.world.active_staff(u)]
    tags = (visible.get("external_contact_list") or {}).get("tag_list") or []
    invalid_tags = [t for t in tags if ctx.world.tag(t) is None]
    jobid = ctx.world.new_id("job")
    ctx.world.moments[jobid] = {
        "jobid": jobid,
        "moment_id": ctx.world.new_id("mom"),
        "text": content,
        "attachments": attachments,
        "visible_range": visible,
        "invalid_senders": invalid_senders,
        "invalid_tags": invalid_tags,
        "create_time": ctx.ts,
    }
    return {"jobid": jobid}


@route("externalcontact/get_moment_task_result")
def get_moment_task_result(ctx: Ctx) -> dict[str, Any]:
    job = ctx.world.moments.get(ctx.text("jobid"))
    if job is None:
        raise invalid("unknown jobid")
    return {
        "status": 3,
        "type": "add_moment_task",
        "result": {
            "errcode": 0,
            "errmsg": "ok",
            "moment_id": job["moment_id"],
            "invalid_sender_list": {"user_list": job["invalid_senders"], "department_list": []},
            "invalid_external_contact_list": {"tag_list": job["invalid_tags"]},
        },
    }
