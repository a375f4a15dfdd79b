"""Acting on ``change_external_chat`` callbacks.

Each effect is safe to repeat, because the pipeline may run an event again:

- membership: a delta is applied only when it continues from the member version we hold
  (:func:`chalicelib.groups.models.plan`), otherwise the group is refreshed; writes are
  conditional on observation time, so an old event never undoes a newer state;
- daily counters: the reports context's, moved on ``signals.GroupChanged``;
- customers' timelines: one entry per event and customer, keyed on the event, so a replay
  rewrites the same entry.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib import signals
from chalicelib.core.observability import logger
from chalicelib.groups import service, store
from chalicelib.groups.models import (
    CALLBACK_JOIN_SCENES,
    CUSTOMER,
    DISMISSED,
    MEMBER_DETAILS,
    Plan,
    guess_type,
    plan,
)

if TYPE_CHECKING:
    from chalicelib.wecom.events import ChatChange


def on_chat_change(event: ChatChange) -> Plan:
    """Apply one group event; returns how the membership was brought up to date."""
    logger.append_keys(chat_id=event.chat_id)
    try:
        profile = store.get_profile(event.chat_id)
        held = None if profile is None else (profile.member_version or "")
        decided = plan(event, held)
        if decided == "dismiss":
            store.set_status(event.chat_id, DISMISSED, service.now_ms(), int(time.time()))
        elif decided == "refresh":
            service.refresh_group(event.chat_id)
        elif decided == "delta" and not _apply_delta(event):
            decided = "refresh"
            service.refresh_group(event.chat_id)
        if event.change_type == "update" and event.update_detail in MEMBER_DETAILS:
            _timeline(event)
        logger.info("group event applied", extra={"plan": decided})
        _announce(event)
        return decided
    finally:
        logger.remove_keys(["chat_id"])


def _announce(event: ChatChange) -> None:
    """Tell the other contexts: which customers joined or left (the directory), and the
    change itself (group live codes, group SOPs, the group_join task)."""
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
    signals.publish(signals.GroupChanged(event.key, event))


def _apply_delta(event: ChatChange) -> bool:
    """Apply MemChangeList to the members, then move the held version from LastMemVer to
    CurMemVer. False when the version moved meanwhile (the caller refreshes)."""
    seen_at, now = service.now_ms(), int(time.time())
    at = event.create_time or now
    for userid in event.mem_change_list:
        if event.update_detail == "add_member":
            scene = None if event.join_scene is None else CALLBACK_JOIN_SCENES.get(event.join_scene)
            store.member_joined(event.chat_id, userid, guess_type(userid), at, scene, seen_at, now)
        else:
            store.member_left(
                event.chat_id, userid, guess_type(userid), at, event.quit_scene, seen_at, now
            )
    return store.advance_version(event.chat_id, event.last_mem_ver, event.cur_mem_ver, seen_at, now)


def changed_count(event: ChatChange) -> int:
    """How many members the event says changed (the list, else MemChangeCnt)."""
    return len(event.mem_change_list) or int(event.mem_change_cnt or 0)


def _timeline(event: ChatChange) -> None:
    profile = store.get_profile(event.chat_id)
    joined = event.update_detail == "add_member"
    at = datetime.fromtimestamp(event.create_time or int(time.time()), UTC)
    for userid in event.mem_change_list:
        member = store.get_member(event.chat_id, userid)
        member_type = int(member.type) if member is not None and member.type else guess_type(userid)
        if member_type != CUSTOMER:
            continue
        detail: dict[str, Any] = {
            "chat_id": event.chat_id,
            "group_name": (profile.name if profile is not None else None) or "",
        }
        if joined:
            detail["join_scene"] = event.join_scene
        else:
            detail["quit_scene"] = event.quit_scene
        record_member_timeline(
            userid, "group_joined" if joined else "group_left", at, detail, event.key
        )


def record_member_timeline(
    external_userid: str, kind: str, at: datetime, detail: Mapping[str, Any], event_key: str
) -> None:
    """A customer joined or left a group: contacts puts it on their timeline
    (``signals.TimelineNoted``)."""
    signals.publish(
        signals.TimelineNoted(
            effect_id=f"{event_key}#{kind}#{external_userid}",
            contact_id=external_userid,
            kind=kind,
            at_ms=int(at.timestamp() * 1000),
            detail=dict(detail),
            event_key=event_key,
        )
    )
