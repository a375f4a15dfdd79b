"""Which context acts on which event: the one table of the callback pipeline."""

from __future__ import annotations

from chalicelib.callbacks.models import ChatChange, ContactChange, Ignored, TagChange, TypedEvent


def dispatch(event: TypedEvent) -> None:
    if isinstance(event, ContactChange | ChatChange | TagChange | Ignored):
        return  # recorded; the contacts, groups and tags contexts act on these
    raise TypeError(f"no handler for {type(event).__name__}")  # pragma: no cover
