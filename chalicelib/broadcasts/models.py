"""Broadcasts as the admin API takes them."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.messaging.content import MessageContent
from chalicelib.sop.models import Funnel

BROADCAST_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,44}$")
#: Broadcasts share the plans' key space; this prefix keeps their ids apart.
PREFIX = "bc-"


class Audience(BaseModel):
    """Who receives it: the customers of ``senders`` carrying any of ``tag_ids`` (a tag
    circle), the customers in ``segment``, the groups ``chat_ids`` (group target) or the
    Moments of ``senders`` (moment target)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    segment: str | None = Field(None, min_length=1, max_length=64)
    tag_ids: list[str] = Field(default_factory=list, max_length=100)
    senders: list[str] = Field(default_factory=list, max_length=1000)
    chat_ids: list[str] = Field(default_factory=list, max_length=20_000)


class BroadcastIn(BaseModel):
    """``PUT /admin/broadcasts/{broadcast_id}``; ``send_at`` (epoch seconds) None: now."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64)
    target: Literal["private", "group", "moment"] = "private"
    audience: Audience
    content: MessageContent
    send_at: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _audience_fits(self) -> BroadcastIn:
        audience = self.audience
        if self.target == "private":
            by_tags = bool(audience.tag_ids and audience.senders)
            if by_tags == (audience.segment is not None):
                raise ValueError(
                    "a private broadcast needs either a segment, or tag_ids with senders"
                )
        elif self.target == "group" and not audience.chat_ids:
            raise ValueError("a group broadcast needs chat_ids")
        elif self.target == "moment" and not audience.senders:
            raise ValueError("a Moments broadcast needs senders")
        return self


class Broadcast(BroadcastIn):
    id: str
    recipients: int = 0
    created_at: int = 0
    created_by: str = ""


class BroadcastReport(Broadcast):
    funnel: Funnel
