"""The corp's members from WeCom, the one reader of WeCom's address book:

- the list: ``department/simplelist`` (every department the app may see), then
  ``user/simplelist`` per department, merged by userid;
- one member: ``user/get`` (name, departments, status; self-built apps created after
  2022-06-20 no longer get avatar, gender, mobile or email here);
- the department tree: ``department/list`` (id, parentid, name, the visible range only).

WeCom asks apps to read the address book sparingly, so the answer is kept in the process
for ``CACHE_TTL_S``; ``refresh`` asks again (a member just added in WeCom).
"""

from __future__ import annotations

import threading
import time

from chalicelib.members.models import CorpMember, CorpMemberList, Department, WeComMember
from chalicelib.wecom.client import get_client
from chalicelib.wecom.errors import WeComError

#: WeCom's "userid not found".
USER_NOT_FOUND = 60111

CACHE_TTL_S = 300
#: More departments than this and the list is cut (a page of the console, not a sync job).
MAX_DEPARTMENTS = 200

_lock = threading.Lock()
_cached: CorpMemberList | None = None


def list_members(*, refresh: bool = False, now: float | None = None) -> CorpMemberList:
    """Every active member the app can see, by userid."""
    global _cached
    at = time.time() if now is None else now
    with _lock:
        if not refresh and _cached is not None and at - _cached.fetched_at < CACHE_TTL_S:
            return _cached
    found = CorpMemberList(items=_fetch(), fetched_at=int(at))
    with _lock:
        _cached = found
    return found


def forget() -> None:
    """Drop the kept list (tests; the next read asks WeCom)."""
    global _cached
    with _lock:
        _cached = None


def _fetch() -> list[CorpMember]:
    client = get_client()
    departments = client.get("department/simplelist").get("department_id") or []
    members: dict[str, CorpMember] = {}
    for department in departments[:MAX_DEPARTMENTS]:
        answer = client.get("user/simplelist", {"department_id": int(department["id"])})
        for row in answer.get("userlist") or []:
            userid = str(row.get("userid") or "")
            if userid and userid not in members:
                members[userid] = CorpMember(
                    userid=userid,
                    name=str(row.get("name") or userid),
                    department=[int(d) for d in row.get("department") or []],
                )
    return sorted(members.values(), key=lambda m: m.userid)


def fetch_member(userid: str) -> WeComMember | None:
    """The member as WeCom has them now (``user/get``), or ``None`` when WeCom knows no
    such member."""
    try:
        data = get_client().get("user/get", {"userid": userid})
    except WeComError as error:
        if error.has_code(USER_NOT_FOUND):
            return None
        raise
    return WeComMember(
        userid=str(data.get("userid") or userid),
        name=str(data.get("name") or ""),
        department=[int(d) for d in data.get("department") or []],
        status=int(data.get("status") or 1),
    )


def fetch_departments() -> list[Department]:
    """WeCom's department tree now (``department/list``)."""
    data = get_client().get("department/list")
    return [
        Department(id=int(d["id"]), parentid=int(d.get("parentid") or 0), name=d.get("name", ""))
        for d in data.get("department") or []
    ]
