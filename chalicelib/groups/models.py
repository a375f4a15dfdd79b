"""Typed shapes of customer groups: what WeCom's ``groupchat/get`` answers, what the admin
API shows, and the pure decision of how a ``change_external_chat`` event is applied."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from chalicelib.wecom.events import ChatChange

STAFF = 1
CUSTOMER = 2

ACTIVE = "active"
DISMISSED = "dismissed"
#: WeCom answers "invalid chat_id" for a group we hold: dismissed, or no longer visible to
#: the app. The membership we hold is kept as last seen.
UNAVAILABLE = "unavailable"

IN = "in"
LEFT = "left"

MEMBER_DETAILS = ("add_member", "del_member")
PROFILE_DETAILS = ("change_owner", "change_name", "change_notice")

#: Callback JoinScene (0 invited by a member, 3 scanned the group QR) → the join_scene
#: numbering of groupchat/get (1 invited, 2 link, 3 QR), so members read alike either way.
CALLBACK_JOIN_SCENES = {0: 1, 3: 3}
#: The id prefixes WeCom gives external contacts (WeChat users, other corps' members).
CUSTOMER_ID_PREFIXES = ("wm", "wo", "wb")

Plan = Literal["skip", "delta", "refresh", "dismiss"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ChatMember(_Model):
    """One entry of ``group_chat.member_list``."""

    userid: str = Field(min_length=1)
    type: int = STAFF
    join_time: int = 0
    join_scene: int = 0
    invitor: str = ""
    unionid: str = ""
    name: str = ""
    group_nickname: str = ""

    @field_validator("invitor", mode="before")
    @classmethod
    def _invitor_userid(cls, value: Any) -> str:
        # WeCom nests it: {"invitor": {"userid": "zhangsan"}}.
        if isinstance(value, dict):
            return str(value.get("userid") or "")
        return "" if value is None else str(value)


class GroupChat(_Model):
    """``groupchat/get``'s ``group_chat``: a group with all of its members."""

    chat_id: str = Field(min_length=1)
    name: str = ""
    owner: str = ""
    create_time: int = 0
    notice: str = ""
    member_version: str = ""
    member_list: list[ChatMember] = Field(default_factory=list)


class Member(_Model):
    """A member as stored: present (``in``) or gone (``left``)."""

    userid: str
    type: int
    status: str
    join_time: int | None = None
    join_scene: int | None = None
    invitor: str = ""
    unionid: str = ""
    name: str = ""
    left_at: int | None = None
    quit_scene: int | None = None


class Group(_Model):
    """A group's profile as stored."""

    chat_id: str
    name: str
    owner: str
    notice: str
    create_time: int
    member_count: int
    member_version: str
    status: str
    updated_at: int


class GroupDetail(_Model):
    group: Group
    members: list[Member]


class MemberOf(_Model):
    """One group a contact is, or was, in."""

    chat_id: str
    status: str
    join_time: int | None
    join_scene: int | None
    left_at: int | None


class GroupPage(_Model):
    items: list[Group]
    #: The next page (``cursor`` is kept for older clients: the same value).
    cursor: str | None
    next_cursor: str | None = None


class GroupDay(_Model):
    """One local day of a group: members who joined (by how) and who left (by how)."""

    day: str
    joins: int = 0
    leaves: int = 0
    join_invited: int = 0
    join_qr: int = 0
    join_other: int = 0
    quit_left: int = 0
    quit_removed: int = 0
    quit_other: int = 0


class GroupListQuery(BaseModel):
    """``GET /admin/groups?limit=&cursor=``: one page of the group listing."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, description="the previous page's ``cursor``")


class GroupStatsQuery(BaseModel):
    """``GET /admin/groups/{chat_id}/stats?days=N``: the last N local days, today included."""

    model_config = ConfigDict(extra="forbid")

    days: int = Field(30, ge=1, le=90)


class GroupStats(_Model):
    """``GET /admin/groups/{chat_id}/stats``: the last ``days`` local days, oldest first,
    every day present (zeros where nothing happened)."""

    chat_id: str
    days: list[GroupDay]


class ReconcileRun(_Model):
    """What one reconcile run did: groups refreshed, and whether a cycle is still open."""

    refreshed: int
    failed: int
    cursor: str | None
    finished_cycle: bool


def plan(event: ChatChange, held_version: str | None) -> Plan:
    """How to apply ``event`` given the member version we hold (``None``: group unknown).

    Member deltas are applied only when they continue exactly from the version we hold;
    anything else (a lost event before this one, an older event arriving late, an event
    without versions) is answered by a full refresh from ``groupchat/get``, which is the
    truth. An event whose resulting version we already hold was applied (or overtaken by a
    refresh that saw it) and is skipped.
    """
    if event.change_type == "dismiss":
        return "dismiss"
    if event.change_type == "create" or event.update_detail not in MEMBER_DETAILS:
        return "refresh"
    if held_version is None or not event.last_mem_ver or not event.cur_mem_ver:
        return "refresh"
    if held_version == event.cur_mem_ver:
        return "skip"
    if held_version == event.last_mem_ver:
        return "delta"
    return "refresh"


def guess_type(userid: str) -> int:
    """Staff or customer for an id a delta names before ``groupchat/get`` has described it.

    The next refresh stores WeCom's own ``type``; this only fills the gap in between.
    """
    return CUSTOMER if userid.startswith(CUSTOMER_ID_PREFIXES) else STAFF
