"""Which context acts on which event: the one table of the callback pipeline.

Handlers must be idempotent: an event can be processed again after a crash between its
effects and its completion mark (see :mod:`chalicelib.storage.once`).
"""

from __future__ import annotations

from chalicelib.wecom.events import (
    ChatChange,
    ContactChange,
    MemberChange,
    TagChange,
    TypedEvent,
)


def dispatch(event: TypedEvent) -> None:
    if isinstance(event, ContactChange):
        _contact_changed(event)
    elif isinstance(event, ChatChange):
        _chat_changed(event)
    elif isinstance(event, TagChange):
        _tags_changed(event)
    elif isinstance(event, MemberChange):
        _member_changed(event)
    # Ignored events are recorded and nothing more.


def _contact_changed(event: ContactChange) -> None:
    """Contacts first (the profile the others read), then the welcome (its code lives
    20 s), then auto-tags, then the live code's cap counter. Each step is idempotent per
    event key."""
    from chalicelib.contacts import handlers as contacts
    from chalicelib.handover import handlers as handover
    from chalicelib.livecodes import handlers as livecodes
    from chalicelib.orders import handlers as orders
    from chalicelib.sop import triggers as sop
    from chalicelib.tags import handlers as tags
    from chalicelib.welcome import handlers as welcome

    contact = contacts.on_contact_change(event)
    handover.on_contact_change(event)  # an on-job transfer done: the takeover's relationship
    welcome.on_contact_change(event, contact)
    tags.on_contact_change(event, contact)
    livecodes.on_contact_change(event, contact)
    sop.on_contact_change(event, contact)  # SOP entries (adds, tags) and exits (deletions)
    orders.on_contact_change(event, contact)  # orders kept for this contact; referral on add


def _chat_changed(event: ChatChange) -> None:
    """Groups first (the member counts), then the group live codes that rotate on them."""
    from chalicelib.groups import handlers as groups
    from chalicelib.livecodes import handlers as livecodes
    from chalicelib.points import handlers as points
    from chalicelib.sop import triggers as sop

    groups.on_chat_change(event)
    _members_changed(event)
    livecodes.on_chat_change(event)
    sop.on_chat_change(event)  # group SOPs and group_joined entries
    points.on_chat_change(event)  # the group_join task's points, once per group


def _members_changed(event: ChatChange) -> None:
    """Tell the other contexts which customers joined or left (the directory)."""
    from chalicelib import signals

    customers = tuple(m for m in event.mem_change_list if m.startswith(("wm", "wo")))
    if customers:
        signals.publish(
            signals.GroupMembersChanged(
                effect_id=f"{event.key}#members",
                chat_id=event.chat_id,
                member_ids=customers,
                at=event.create_time or 0,
            )
        )


def _tags_changed(event: TagChange) -> None:
    from chalicelib.tags import handlers as tags

    tags.on_tag_change(event)


def _member_changed(event: MemberChange) -> None:
    """A member deleted or disabled in WeCom loses access to the console by itself."""
    from chalicelib.identity import handlers as identity

    identity.on_member_change(event)
