"""The simulated corp's world, in memory: staff, customers, ways, tags, groups, messages.

Everything here is plain data; the API handlers and the control routes mutate it under
the engine's lock.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

DEFAULT_STAFF = (
    ("zhangsan", "张三", [1]),
    ("lisi", "李四", [1]),
    ("wangwu", "王五", [2]),
)

#: Staff status, as in WeCom's user API: 1 active, 2 disabled, 5 resigned.
ACTIVE = 1
DISABLED = 2
RESIGNED = 5

#: The department tree: (id, name, parent id). 1 is the root.
DEFAULT_DEPARTMENTS = ((1, "总部", 0), (2, "华东销售部", 1), (3, "华南销售部", 1))


@dataclass
class Staff:
    userid: str
    name: str
    department: list[int] = field(default_factory=lambda: [1])
    status: int = ACTIVE
    dimission_time: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "userid": self.userid,
            "name": self.name,
            "department": self.department,
            "status": self.status,
            "dimission_time": self.dimission_time,
        }


@dataclass
class Customer:
    external_userid: str
    name: str
    type: int = 1
    gender: int = 0
    unionid: str = ""
    avatar: str = ""
    corp_name: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "external_userid": self.external_userid,
            "name": self.name,
            "type": self.type,
            "avatar": self.avatar,
            "gender": self.gender,
        }
        if self.unionid:
            data["unionid"] = self.unionid
        if self.corp_name:
            data["corp_name"] = self.corp_name
        return data


@dataclass
class Follow:
    """The relationship between one staff member and one customer (``follow_user``)."""

    userid: str
    external_userid: str
    createtime: int
    remark: str = ""
    description: str = ""
    remark_mobiles: list[str] = field(default_factory=list)
    tag_ids: list[str] = field(default_factory=list)
    add_way: int = 1
    oper_userid: str = ""
    state: str = ""


@dataclass
class Tag:
    id: str
    name: str
    create_time: int
    order: int = 0


@dataclass
class TagGroup:
    group_id: str
    group_name: str
    create_time: int
    order: int = 0
    tags: dict[str, Tag] = field(default_factory=dict)


@dataclass
class LoginCode:
    """A one-time sign-in code (web login or OAuth2): single use, five minutes."""

    code: str
    userid: str
    expires_at: float
    used: bool = False


@dataclass
class WelcomeCode:
    code: str
    userid: str
    external_userid: str
    expires_at: float
    used: bool = False


@dataclass
class GroupMember:
    userid: str
    type: int  # 1 staff, 2 external contact
    join_time: int
    join_scene: int = 1
    invitor: str = ""
    unionid: str = ""
    name: str = ""


@dataclass
class GroupChat:
    chat_id: str
    name: str
    owner: str
    create_time: int
    notice: str = ""
    status: int = 0
    members: dict[str, GroupMember] = field(default_factory=dict)
    admin_list: list[str] = field(default_factory=list)
    member_version: int = 1

    def version(self) -> str:
        return f"v{self.member_version:08d}"


class World:
    """All simulated data of the corp."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.staff: dict[str, Staff] = {}
        self.customers: dict[str, Customer] = {}
        self.follows: dict[tuple[str, str], Follow] = {}
        self.contact_ways: dict[str, dict[str, Any]] = {}
        self.tag_groups: dict[str, TagGroup] = {}
        self.group_chats: dict[str, GroupChat] = {}
        self.join_ways: dict[str, dict[str, Any]] = {}
        self.welcome_codes: dict[str, WelcomeCode] = {}
        self.login_codes: dict[str, LoginCode] = {}
        self.departments: dict[int, tuple[str, int]] = {
            dept_id: (name, parent) for dept_id, name, parent in DEFAULT_DEPARTMENTS
        }
        self.welcome_messages: list[dict[str, Any]] = []
        self.msg_templates: dict[str, dict[str, Any]] = {}
        self.moments: dict[str, dict[str, Any]] = {}
        self.transfers: list[dict[str, Any]] = []
        self.app_messages: list[dict[str, Any]] = []
        #: Relationship changes by day, for get_user_behavior_data: (time, userid, kind).
        self.history: list[tuple[int, str, str]] = []

    # --- ids ---------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}{secrets.token_hex(5)}"

    # --- staff -------------------------------------------------------------------------

    def seed_default_staff(self) -> None:
        for userid, name, department in DEFAULT_STAFF:
            self.staff[userid] = Staff(userid, name, list(department))

    def active_staff(self, userid: str) -> bool:
        member = self.staff.get(userid)
        return member is not None and member.status == ACTIVE

    # --- customers ---------------------------------------------------------------------

    def follows_of_customer(self, external_userid: str) -> list[Follow]:
        return [f for f in self.follows.values() if f.external_userid == external_userid]

    def follows_of_staff(self, userid: str) -> list[Follow]:
        return [f for f in self.follows.values() if f.userid == userid]

    def tag(self, tag_id: str) -> tuple[TagGroup, Tag] | None:
        for group in self.tag_groups.values():
            if tag_id in group.tags:
                return group, group.tags[tag_id]
        return None

    def follow_json(self, follow: Follow) -> dict[str, Any]:
        tags = []
        for tag_id in follow.tag_ids:
            found = self.tag(tag_id)
            if found:
                group, tag = found
                tags.append(
                    {
                        "group_name": group.group_name,
                        "tag_name": tag.name,
                        "tag_id": tag.id,
                        "type": 1,
                    }
                )
        data: dict[str, Any] = {
            "userid": follow.userid,
            "remark": follow.remark,
            "description": follow.description,
            "createtime": follow.createtime,
            "tags": tags,
            "remark_mobiles": list(follow.remark_mobiles),
            "add_way": follow.add_way,
            "oper_userid": follow.oper_userid or follow.external_userid,
        }
        if follow.state:
            data["state"] = follow.state
        return data

    # --- overview ----------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The whole world as JSON, for ``GET /_sim/state``."""
        return {
            "staff": [s.to_json() for s in self.staff.values()],
            "customers": [
                {
                    **c.to_json(),
                    "follow_user": [
                        self.follow_json(f) for f in self.follows_of_customer(c.external_userid)
                    ],
                }
                for c in self.customers.values()
            ],
            "contact_ways": list(self.contact_ways.values()),
            "tag_groups": [
                {
                    "group_id": g.group_id,
                    "group_name": g.group_name,
                    "tags": [{"id": t.id, "name": t.name} for t in g.tags.values()],
                }
                for g in self.tag_groups.values()
            ],
            "group_chats": [
                {
                    "chat_id": c.chat_id,
                    "name": c.name,
                    "owner": c.owner,
                    "status": c.status,
                    "member_version": c.version(),
                    "members": [m.userid for m in c.members.values()],
                }
                for c in self.group_chats.values()
            ],
            "join_ways": list(self.join_ways.values()),
            "welcome_codes": [
                {
                    "code": w.code,
                    "userid": w.userid,
                    "external_userid": w.external_userid,
                    "expires_at": w.expires_at,
                    "used": w.used,
                }
                for w in self.welcome_codes.values()
            ],
            "departments": [
                {"id": d, "name": name, "parentid": parent}
                for d, (name, parent) in self.departments.items()
            ],
            "welcome_messages": self.welcome_messages,
            "msg_templates": list(self.msg_templates.values()),
            "moments": list(self.moments.values()),
            "transfers": self.transfers,
            "app_messages": self.app_messages,
        }
