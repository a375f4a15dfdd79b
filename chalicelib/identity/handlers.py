"""Identity's part of the callback pipeline: WeCom's ``change_contact`` about members."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.wecom.events import MemberChange


def on_member_change(event: MemberChange) -> None:
    """A member deleted, or disabled (``update_user`` with Status other than 1), loses
    access; any other member change refreshes what we know of them (name, departments).
    Idempotent: the same event twice leaves the same state."""
    from chalicelib.identity import service

    if event.change_type == "delete_user":
        service.member_changed(event.user_id, deleted=True)
    elif event.change_type in ("update_user", "create_user"):
        service.member_changed(event.user_id, status=event.status)
