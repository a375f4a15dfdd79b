"""Which context acts on which event: the one table of the callback pipeline.

Handlers must be idempotent: an event can be processed again after a crash between its
effects and its completion mark (see :mod:`chalicelib.storage.once`).
"""

from __future__ import annotations

from chalicelib.callbacks.models import ChatChange, ContactChange, TagChange, TypedEvent


def dispatch(event: TypedEvent) -> None:
    if isinstance(event, ContactChange):
        _contact_changed(event)
    elif isinstance(event, ChatChange):
        _chat_changed(event)
    elif isinstance(event, TagChange):
        _tags_changed(event)
    # Ignored events are recorded and nothing more.


def _contact_changed(event: ContactChange) -> None:
    return None


def _chat_changed(event: ChatChange) -> None:
    return None


def _tags_changed(event: TagChange) -> None:
    return None
