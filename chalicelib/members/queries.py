"""What other contexts may read of the corp's members: plain values."""

from __future__ import annotations


def members_of(departments: set[int]) -> frozenset[str]:
    """The userids of the active members in any of ``departments`` (kept five minutes)."""
    from chalicelib.members import service

    return frozenset(
        m.userid for m in service.list_members().items if set(m.department) & departments
    )
