"""What the callback pipeline calls: auto-tags on adds, a catalogue resync on tag events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.contacts.attribution import attribution
from chalicelib.tags import service

if TYPE_CHECKING:
    from chalicelib.signals import ContactAdded, LiveCodeDeleted, LiveCodeSaved
    from chalicelib.wecom.events import TagChange


def on_contact_added(signal: ContactAdded) -> list[str]:
    """Apply matching auto-tag rules to an add; the tags added (an edit's tags were
    already refreshed from WeCom's answer by contacts)."""
    event, contact = signal.event, signal.contact
    if contact is None:
        return []
    rel = contact.relationship(event.user_id)
    if rel is None or rel.status != "active":
        return []
    at = event.create_time or rel.added_at or 0
    source = attribution(event.state)
    facts = service.facts_of(
        rel.channel or source.channel, contact.gender, rel.added_at or at, rel.code or source.code
    )
    return service.auto_tag(
        event.key, contact.external_userid, event.user_id, facts, rel.tag_ids, at
    )


def on_tag_change(event: TagChange) -> int:
    """Any change to tags or groups: resync the whole catalogue. The number of tags."""
    return len(service.sync_catalogue())


def live_code_rule_id(code: str) -> str:
    return f"live-code-{code}"


def on_live_code_saved(signal: LiveCodeSaved) -> None:
    """A live code's auto-tags are a tag rule matching the code (none: the rule goes)."""
    if signal.tag_ids:
        from chalicelib.tags.models import TagRuleIn

        rule = TagRuleIn.model_validate(
            {"name": f"live code {signal.code}", "tag_ids": signal.tag_ids, "code": signal.code}
        )
        service.put_rule(live_code_rule_id(signal.code), rule)
    else:
        _drop(signal.code)


def on_live_code_deleted(signal: LiveCodeDeleted) -> None:
    _drop(signal.code)


def _drop(code: str) -> None:
    import contextlib

    from chalicelib.core.errors import NotFound

    with contextlib.suppress(NotFound):
        service.delete_rule(live_code_rule_id(code))
