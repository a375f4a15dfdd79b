"""Broadcasts as the admin API takes them."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.messaging.content import MessageContent
from chalicelib.sop.queries import Funnel

BROADCAST_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,44}$")
#: Broadcasts share the plans' key space; this prefix keeps their ids apart.
PREFIX = "bc-"


class Audience(BaseModel):
    """Who receives it: the customers of ``senders`` carrying any of ``tag_ids`` (a tag
    circle), the customers in ``segment``, the customers of the saved directory audience
    ``audience_id`` (evaluated when the broadcast goes out, by a job), the groups
    ``chat_ids`` (group target) or the Moments of ``senders`` (moment target)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    segment: str | None = Field(None, min_length=1, max_length=64)
    audience_id: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9-]{0,47}$")
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
            ways = by_tags + (audience.segment is not None) + (audience.audience_id is not None)
            if ways != 1:
                raise ValueError(
                    "a private broadcast needs one of: a segment, an audience_id, "
                    "or tag_ids with senders"
                )
        elif self.target == "group" and not audience.chat_ids:
            raise ValueError("a group broadcast needs chat_ids")
        elif self.target == "moment" and not audience.senders:
            raise ValueError("a Moments broadcast needs senders")
        return self


Planning = Literal["waiting", "planning", "planned", "empty"]


class Broadcast(BroadcastIn):
    id: str
    #: A saved audience is resolved by a job when the broadcast is due: ``waiting`` until
    #: then, ``planning`` while it pages through the audience, then ``planned`` (or
    #: ``empty``); the other audiences are ``planned`` at creation.
    planning: Planning = "planned"
    recipients: int = 0
    created_at: int = 0
    created_by: str = ""


class BroadcastReport(Broadcast):
    funnel: Funnel
