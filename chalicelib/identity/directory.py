"""What WeCom says of members and departments, read through the app's WeCom client and
kept in the identity table (so a scope check costs a read of ours, not a WeCom call).

- ``auth/getuserinfo?code``: the one-time sign-in code → the member's ``userid`` (a
  non-member gets ``openid`` / ``external_userid`` instead). The code is single use and
  expires five minutes after it was issued; WeCom refuses a used, unknown or expired
  code (40029, invalid code).
- ``user/get?userid``: name, departments and status. Self-built apps created after
  2022-06-20 no longer get avatar, gender, mobile, email, biz mail, QR code or address
  here; name, department and status are what this product reads.
- ``department/list``: the department tree (id, parentid, name).
"""

from __future__ import annotations

import time
from typing import Any

from chalicelib.identity import store
from chalicelib.identity.models import Member
from chalicelib.wecom.errors import WeComError

USER_NOT_FOUND = 60111
INVALID_CODE = 40029
#: A member's departments older than this are read again from WeCom.
MEMBER_MAX_AGE_S = 24 * 3600
DEPARTMENTS_MAX_AGE_S = 24 * 3600


def _client() -> Any:
    from chalicelib.wecom.client import get_client

    return get_client()


def userid_for_code(code: str) -> dict[str, Any]:
    """WeCom's answer for a sign-in code (``userid`` for a member)."""
    return dict(_client().get("auth/getuserinfo", {"code": code}))


def fetch_member(userid: str) -> Member | None:
    """The member as WeCom has them now, or ``None`` when WeCom knows no such member."""
    try:
        data = _client().get("user/get", {"userid": userid})
    except WeComError as error:
        if error.has_code(USER_NOT_FOUND):
            return None
        raise
    member = Member(
        userid=str(data.get("userid") or userid),
        name=str(data.get("name") or ""),
        departments=[int(d) for d in data.get("department") or []],
        status=int(data.get("status") or 1),
    )
    remember(member)
    return member


def remember(member: Member) -> None:
    store.save(
        store.MemberItem.bound()(
            store.member_pk(member.userid),
            "member",
            userid=member.userid,
            name=member.name,
            departments=member.departments,
            status=member.status,
            synced_at=int(time.time()),
        )
    )


def forget(userid: str) -> None:
    remember(Member(userid=userid, status=5))


def member(userid: str) -> Member | None:
    """The member from our copy, read again from WeCom when missing or a day old."""
    item = store.get_member(userid)
    if item is not None and time.time() - (item.synced_at or 0) < MEMBER_MAX_AGE_S:
        return Member(
            userid=item.userid,
            name=item.name,
            departments=list(item.departments or []),
            status=int(item.status),
        )
    return fetch_member(userid)


def department_tree(*, refresh: bool = False) -> list[dict[str, Any]]:
    item = store.get_departments()
    if not refresh and item is not None and time.time() - item.synced_at < DEPARTMENTS_MAX_AGE_S:
        return list(item.tree or [])
    data = _client().get("department/list")
    tree = [
        {"id": int(d["id"]), "parentid": int(d.get("parentid") or 0), "name": d.get("name", "")}
        for d in data.get("department") or []
    ]
    store.save(
        store.DepartmentsItem.bound()(
            store.DEPARTMENTS, "tree", tree=tree, synced_at=int(time.time())
        )
    )
    return tree


def with_descendants(departments: list[int]) -> set[int]:
    """``departments`` and every department below them in WeCom's tree."""
    wanted = set(departments)
    if not wanted:
        return wanted
    children: dict[int, list[int]] = {}
    for node in department_tree():
        children.setdefault(node["parentid"], []).append(node["id"])
    found, todo = set(wanted), list(wanted)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found
