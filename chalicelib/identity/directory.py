"""What WeCom says of members and departments, read through the members context
(:mod:`chalicelib.members.queries`, the one reader of WeCom's address book) and kept in
the identity table (so a scope check costs a read of ours, not a WeCom call).

- ``auth/getuserinfo?code``: the one-time sign-in code → the member's ``userid`` (a
  non-member gets ``openid`` / ``external_userid`` instead). The code is single use and
  expires five minutes after it was issued; WeCom refuses a used, unknown or expired
  code (40029, invalid code).
- ``user/get?userid``: name, departments and status. Self-built apps created after
  2022-06-20 no longer get avatar, gender, mobile, email, biz mail, QR code or address
  here; name, department and status are what this product reads.
- ``department/list``: the department tree (id, parentid, name), only the departments in
  the app's visible range (so a department scope should name departments inside it).
"""

from __future__ import annotations

import time
from typing import Any

from chalicelib.identity import store
from chalicelib.identity.models import Member

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
    from chalicelib.members import queries as members

    found = members.member(userid)
    if found is None:
        return None
    member = Member(
        userid=found.userid, name=found.name, departments=found.department, status=found.status
    )
    remember(member)
    return member


def remember(member: Member) -> None:
    store.save(
        store.MemberItem(
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
    from chalicelib.members import queries as members

    tree = [node.model_dump() for node in members.departments()]
    store.save(
        store.DepartmentsItem(store.DEPARTMENTS, "tree", tree=tree, synced_at=int(time.time()))
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
