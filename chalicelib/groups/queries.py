"""What other contexts may read of customer groups: plain functions returning plain values."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.groups.models import Group

MAX_GROUPS = 500


def groups_of(member_id: str) -> list[str]:
    """Chat ids of the groups ``member_id`` is in now (the by_member index, never a scan)."""
    from chalicelib.groups import store

    return sorted(
        str(item.chat_id)
        for item in store.groups_of(member_id, MAX_GROUPS)
        if item.member_id == member_id and item.left_at is None
    )


def group_profile(chat_id: str) -> Group | None:
    """The group's stored profile (owner, member count, status), or ``None``."""
    from chalicelib.groups import store
    from chalicelib.groups.service import _group

    item = store.get_profile(chat_id)
    return None if item is None else _group(item)
