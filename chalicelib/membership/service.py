"""Use cases of membership: the tier a contact reaches from points and/or spend over a
rolling window, its history, WeCom tags per level, and :class:`signals.TierChanged`.

A tier is re-evaluated when the contact's points or orders change (signals) and daily for
members above the base level (the window rolls: downgrades happen without any event).
"""

from __future__ import annotations

import time

from chalicelib import signals
from chalicelib.core.observability import logger
from chalicelib.membership import store
from chalicelib.membership.errors import MembershipBusy
from chalicelib.membership.models import Membership, ReviewRun, TierChange, TierConfig

DAY_S = 86_400
MAX_ATTEMPTS = 8
REVIEW_EVERY_S = 20 * 3600


def config() -> TierConfig | None:
    doc = store.get_config()
    return None if doc is None else TierConfig.model_validate(doc)


def put_config(body: TierConfig, principal: str) -> TierConfig:
    store.put_config(body.model_dump(mode="json"), principal, int(time.time()))
    logger.info("tier levels saved", extra={"principal": principal})
    return body


def current_tier(contact_id: str) -> str | None:
    item = store.get_tier(contact_id)
    return None if item is None else str(item.tier)


def _window(contact_id: str, levels: TierConfig, at: int) -> tuple[int, int]:
    from chalicelib.orders.service import spend_since
    from chalicelib.points.service import earned_since

    since = at - levels.window_days * DAY_S
    return earned_since(contact_id, since), spend_since(contact_id, since)


def evaluate(contact_id: str, at: int | None = None) -> str | None:
    """Move the contact to the tier it reaches now (once per change); the tier."""
    levels = config()
    if levels is None:
        return None
    now = int(at if at is not None else time.time())
    points, spend = _window(contact_id, levels, now)
    wanted = levels.tier_for(points, spend)
    base = levels.levels[0].name
    for _ in range(MAX_ATTEMPTS):
        item = store.get_tier(contact_id)
        if item is not None and item.tier == wanted:
            if int(item.announced) < int(item.version):
                _announce(item, levels)
            elif item.tier_key is not None:
                store.mark_reviewed(item, now)
            return wanted
        if item is None and wanted == base:
            return None  # everyone starts at the base: nothing to record
        read_version = None if item is None else int(item.version)
        version = (read_version or 0) + 1
        previous = None if item is None else str(item.tier)
        changed = store.TierItem.bound()(
            store.member_pk(contact_id),
            store.TIER,
            contact_id=contact_id,
            tier=wanted,
            previous_tier=previous,
            since=now,
            version=version,
            announced=0 if item is None else int(item.announced),
            tier_key=None if wanted == base else wanted,
            reviewed_at=now,
        )
        history = store.HistoryItem.bound()(
            store.member_pk(contact_id),
            f"{store.HIST}{version:010d}",
            tier=wanted,
            previous_tier=previous,
            at=now,
            points=points,
            spend_cents=spend,
        )
        try:
            store.change_tier(changed, read_version, history)
        except store.Conflict:
            continue
        logger.info(
            "tier changed",
            extra={"external_userid": contact_id, "tier": wanted, "previous_tier": previous},
        )
        _announce(changed, levels)
        return wanted
    raise MembershipBusy("the tier kept changing; retry")


def _announce(item: store.TierItem, levels: TierConfig) -> None:
    """Tag the contact in WeCom for its level (once per change and staff member), then
    publish TierChanged; both keyed by the tier's version, so a retry repeats neither."""
    version = int(item.version)
    effect_id = f"tier#{item.contact_id}#{version}"
    _tag(str(item.contact_id), levels, item.previous_tier, str(item.tier), effect_id)
    signals.publish(
        signals.TierChanged(
            effect_id=effect_id,
            contact_id=str(item.contact_id),
            previous_tier=item.previous_tier,
            tier=str(item.tier),
            at=int(item.since),
        )
    )
    store.mark_announced(item, version)


def _tag(
    contact_id: str, levels: TierConfig, previous: str | None, tier: str, effect_id: str
) -> None:
    new, old = levels.level(tier), levels.level(previous)
    add = [new.tag_id] if new and new.tag_id else []
    remove = [old.tag_id] if old and old.tag_id and old.tag_id not in add else []
    if not add and not remove:
        return
    from chalicelib.contacts.service import find_contact
    from chalicelib.storage.once import claim_once, release
    from chalicelib.wecom.client import get_client

    contact = find_contact(contact_id)
    for rel in contact.relationships if contact else []:
        if rel.status != "active":
            continue
        marker = f"{effect_id}#tag#{rel.staff_userid}"
        if not claim_once(marker):
            continue
        try:
            get_client().mark_tag(rel.staff_userid, contact_id, add=add, remove=remove)
        except Exception:
            release(marker)
            raise


def review(now: int | None = None, limit: int = 200) -> ReviewRun:
    """Re-evaluate members above the base level not reviewed for a day (the daily job)."""
    levels = config()
    if levels is None:
        return ReviewRun(reviewed=0, changed=0)
    at = int(now if now is not None else time.time())
    reviewed = changed = 0
    for level in levels.levels[1:]:
        for item in store.due_for_review(level.name, at - REVIEW_EVERY_S, limit):
            reviewed += 1
            if evaluate(str(item.contact_id), at) != item.tier:
                changed += 1
    return ReviewRun(reviewed=reviewed, changed=changed)


def membership(contact_id: str, limit: int = 50) -> Membership:
    levels = config()
    item = store.get_tier(contact_id)
    points, spend = _window(contact_id, levels, int(time.time())) if levels else (0, 0)
    tier = str(item.tier) if item else (levels.levels[0].name if levels else None)
    return Membership(
        contact_id=contact_id,
        tier=tier,
        since=int(item.since) if item else None,
        points_in_window=points,
        spend_in_window_cents=spend,
        history=[
            TierChange(
                tier=str(h.tier),
                previous_tier=h.previous_tier,
                at=int(h.at),
                points=int(h.points),
                spend_cents=int(h.spend_cents),
            )
            for h in store.history(contact_id, limit)
        ],
    )
