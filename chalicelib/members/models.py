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


class WeComMember(BaseModel):
    """One member as ``user/get`` answers: name, departments and status (1 active, 2
    disabled, 4 not activated, 5 left the corp)."""

    model_config = ConfigDict(frozen=True)

    userid: str
    name: str = ""
    department: list[int] = Field(default_factory=list)
    status: int = 1


class Department(BaseModel):
    """A node of the department tree as ``department/list`` answers (the app's visible
    range only)."""

    model_config = ConfigDict(frozen=True)

    id: int
    parentid: int = 0
    name: str = ""
