"""A member of the corp as the console lists them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CorpMember(BaseModel):
    model_config = ConfigDict(frozen=True)

    userid: str
    name: str
    department: list[int] = Field(default_factory=list)


class CorpMemberList(BaseModel):
    items: list[CorpMember]
    #: When WeCom was asked (epoch seconds); the list is kept for ``CACHE_TTL_S``.
    fetched_at: int
