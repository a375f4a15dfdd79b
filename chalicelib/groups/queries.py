"""What other contexts may read of customer groups: plain functions returning domain
objects (:class:`~chalicelib.groups.models.Group`, :class:`Member`) or plain values."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.groups.models import Group, Member, MemberOf

MAX_GROUPS = 500


def groups_of(member_id: str) -> list[str]:
    """Chat ids of the groups ``member_id`` is in now (the by_member index, never a scan)."""
    from chalicelib.groups import store

    return sorted(
        str(item.chat_id)
        for item in store.groups_of(member_id, MAX_GROUPS)
        if item.member_id == member_id and item.left_at is None
    )


def group(chat_id: str) -> Group | None:
    """The group's profile (name, owner, member count, status), or ``None`` when unknown:
    the owner sends a group SOP or broadcast; live codes skip full or dismissed groups."""
    from chalicelib.groups import store
    from chalicelib.groups.service import group_of

    profile = store.get_profile(chat_id)
    return None if profile is None else group_of(profile)


def members(chat_id: str) -> list[Member]:
    """The group's members, present and gone (``left_at`` set)."""
    from chalicelib.groups import store
    from chalicelib.groups.service import member_of

    return [member_of(item) for item in store.members(chat_id)]


def contact_groups(external_userid: str, limit: int = 50) -> list[MemberOf]:
    """The groups a customer is in or has left, with when they joined and left (the
    by_member index)."""
    from chalicelib.groups.service import contact_groups as groups

    return groups(external_userid, limit)
