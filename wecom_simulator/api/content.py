"""Message content checks shared by welcome messages, mass messages and moments."""

from __future__ import annotations

from typing import Any

from wecom_simulator.api.common import Ctx
from wecom_simulator.errors import invalid

ATTACHMENT_TYPES = ("image", "link", "miniprogram", "video", "file")
MAX_ATTACHMENTS = 9
TEXT_LIMIT_BYTES = 4000
#: (field, limit in bytes) per attachment type.
FIELD_LIMITS = {
    "link": (("title", 128), ("desc", 512)),
    "miniprogram": (("title", 64),),
}


def text_and_attachments(ctx: Ctx, *, text_required: bool = False) -> tuple[str, list[Any]]:
    """``text.content`` (≤4000 bytes) and ``attachments`` (≤9, known types)."""
    text = ctx.obj("text")
    content = text.get("content") or ""
    if not isinstance(content, str):
        raise invalid("text.content must be a string")
    if len(content.encode()) > TEXT_LIMIT_BYTES:
        raise invalid(f"text.content exceeds {TEXT_LIMIT_BYTES} bytes")
    attachments = ctx.params.get("attachments") or []
    if not isinstance(attachments, list):
        raise invalid("attachments must be a list")
    if len(attachments) > MAX_ATTACHMENTS:
        raise invalid(f"attachments exceed {MAX_ATTACHMENTS}")
    for item in attachments:
        kind = item.get("msgtype") if isinstance(item, dict) else None
        if kind not in ATTACHMENT_TYPES or not isinstance(item.get(kind), dict):
            raise invalid("each attachment needs msgtype image|link|miniprogram|video|file")
        for name, limit in FIELD_LIMITS.get(kind, ()):
            if len(str(item[kind].get(name, "")).encode()) > limit:
                raise invalid(f"{kind}.{name} exceeds {limit} bytes")
    if text_required and not content and not attachments:
        raise invalid("text or attachments required")
    return content, attachments
