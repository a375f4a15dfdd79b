"""Which context owns which WeCom event: parse, hand it to its owner, nothing more.

The owner stores what the event means for it and publishes signals
(:mod:`chalicelib.signals`) that the other contexts subscribe to: contacts announces adds,
edits and deletions (welcome, tags, live codes, SOP, orders and handover listen), groups a
group's change (live codes, SOP, points, the directory).

Handlers must be idempotent: an event can be processed again after a crash between its
effects and its completion mark (see :mod:`chalicelib.storage.once`).
"""

from __future__ import annotations

from chalicelib.signals import resolve
from chalicelib.wecom.events import ChatChange, ContactChange, MemberChange, TagChange, TypedEvent

OWNERS: dict[type[TypedEvent], str] = {
    ContactChange: "chalicelib.contacts.handlers:on_contact_change",
    ChatChange: "chalicelib.groups.handlers:on_chat_change",
    TagChange: "chalicelib.tags.handlers:on_tag_change",
    MemberChange: "chalicelib.identity.handlers:on_member_change",
}


def dispatch(event: TypedEvent) -> None:
    """Hand ``event`` to the context that owns it; other events are recorded only."""
    owner = OWNERS.get(type(event))
    if owner is not None:
        resolve(owner)(event)
