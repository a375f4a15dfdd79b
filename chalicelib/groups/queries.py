"""What other contexts may read of customer groups: plain functions returning plain values."""

from __future__ import annotations

from chalicelib.groups.models import MemberOf

MAX_GROUPS = 500


def groups_of(member_id: str) -> list[str]:
    """Chat ids of the groups ``member_id`` is in now (the by_member index, never a scan)."""
    from chalicelib.groups import store

    return sorted(
        str(item.chat_id)
        for item in store.groups_of(member_id, MAX_GROUPS)
        if item.member_id == member_id and item.left_at is None
    )


def contact_groups(external_userid: str, limit: int = 50) -> list[MemberOf]:
    """The groups a customer is in or has left, with when they joined and left (the
    by_member index)."""
    from chalicelib.groups.service import contact_groups as groups

    return groups(external_userid, limit)
