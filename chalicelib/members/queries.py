"""What other contexts may read of the corp's members: plain values and domain objects
(:class:`~chalicelib.members.models.WeComMember`, :class:`Department`). Members is the one
reader of WeCom's address book; identity keeps its own copy for scope checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.members.models import Department, WeComMember


def members_of(departments: set[int]) -> frozenset[str]:
    """The userids of the active members in any of ``departments`` (kept five minutes)."""
    from chalicelib.members import service

    return frozenset(
        m.userid for m in service.list_members().items if set(m.department) & departments
    )


def member(userid: str) -> WeComMember | None:
    """The member as WeCom has them now (``user/get``), or ``None`` when unknown."""
    from chalicelib.members import service

    return service.fetch_member(userid)


def departments() -> list[Department]:
    """WeCom's department tree now (``department/list``)."""
    from chalicelib.members import service

    return service.fetch_departments()
