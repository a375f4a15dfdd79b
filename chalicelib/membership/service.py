"""Use cases of membership: the tier a contact reaches from points and/or spend over a
rolling window, its history, WeCom tags per level, and :class:`signals.TierChanged`.

A tier is re-evaluated when the contact's orders or points change (signals: once per
order, after the points it earned) and by the tier review when it may have lapsed: the
window rolls, so downgrades happen without any event. Every evaluation of a member above
the base level notes when its tier would first change if nothing more happened
(``review_at``); the review reads only the members whose time has come.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from chalicelib import signals
from chalicelib.core.observability import logger
from chalicelib.membership import levels as tier_levels
from chalicelib.membership import store
from chalicelib.membership.models import (
    NEVER,
    Membership,
    ReviewRun,
    Tier,
    TierChange,
    TierConfig,
    Window,
)
from chalicelib.storage.ops import retry

DAY_S = 86_400
MAX_ATTEMPTS = 8
BUDGET_MARGIN_S = 1.0
#: Members evaluated at once by the review (each is a few DynamoDB round trips).
JOB_WORKERS = 8


def config() -> TierConfig | None:
    return tier_levels.read()


def kept_config() -> TierConfig | None:
    """:func:`config` as read at most ``CONFIG_KEPT_S`` seconds ago (every order's
    evaluation reads it; :mod:`chalicelib.membership.levels`)."""
    return tier_levels.kept()


def put_config(body: TierConfig, principal: str) -> TierConfig:
    store.put_config(body.model_dump(mode="json"), principal, int(time.time()))
    tier_levels.forget()
    logger.info("tier levels saved", extra={"principal": principal})
    return body


def current_tier(contact_id: str) -> str | None:
    return store.tier_name(contact_id)


def _window(
    contact_id: str, levels: TierConfig, at: int, *, points: bool = True, spend: bool = True
) -> Window:
    """What counts towards a tier at ``at``: the points credited and the orders paid in the
    window, each read when asked for or when some level has a threshold of it (else left
    empty: it decides nothing, neither the tier nor when it changes)."""
    from chalicelib.orders.queries import payments_since
    from chalicelib.points.queries import credits_since

    span_s = levels.window_days * DAY_S
    since = at - span_s
    points = points or any(level.min_points for level in levels.levels)
    spend = spend or any(level.min_spend_cents for level in levels.levels)
    return Window(
        at=at,
        span_s=span_s,
        credits=tuple(credits_since(contact_id, since)) if points else (),
        payments=tuple(payments_since(contact_id, since)) if spend else (),
        complete=points and spend,
    )


def _reschedule(stored: int | None, review_at: int, now: int) -> bool:
    """Whether a tier that holds needs its review time written: never set, come (the
    review itself), or moved earlier (a refund took back what it stood on). A later time
    (more was earned) is not written: the review comes early, finds the tier holding and
    writes the later time then, so an order costs no write for it."""
    return stored is None or stored <= now or review_at < stored


def evaluate(
    contact_id: str,
    at: int | None = None,
    levels: TierConfig | None = None,
    known: Tier | None = None,
) -> str | None:
    """Move the contact to the tier it reaches now (once per change); the tier. ``levels``
    (else the kept levels) and ``known`` (the tier as listed) spare their reads when the
    caller has them; the points or the spend in the window is read only when a level has
    a threshold of it."""
    reads: list[Tier | None] = [] if known is None else [known]
    if levels is None:
        levels = kept_config()
    if levels is None:
        return None
    now = int(at if at is not None else time.time())
    window = _window(contact_id, levels, now, points=False, spend=False)
    wanted = levels.tier_for(window.points, window.spend_cents)
    review_at = window.changes_at(levels)
    base = levels.levels[0].name

    def attempt() -> str | None:
        item = reads.pop() if reads else store.get_tier(contact_id)
        if item is not None and item.tier == wanted:
            if item.announced < item.version:
                _announce(item, levels)
            if wanted != base and _reschedule(item.review_at, review_at, now):
                store.schedule_review(contact_id, item.version, review_at)  # Conflict: again
            return wanted
        if item is None and wanted == base:
            return None  # everyone starts at the base: nothing to record
        read_version = None if item is None else item.version
        previous = None if item is None else item.tier
        changed = Tier(
            contact_id=contact_id,
            tier=wanted,
            previous_tier=previous,
            since=now,
            version=(read_version or 0) + 1,
            announced=0 if item is None else item.announced,
            review_at=review_at,
        )
        whole = window if window.complete else _window(contact_id, levels, now)
        change = TierChange(  # the change's record keeps both
            tier=wanted,
            previous_tier=previous,
            at=now,
            points=whole.points,
            spend_cents=whole.spend_cents,
        )
        store.change_tier(changed, read_version, change, wanted == base)  # Conflict: again
        logger.info(
            "tier changed",
            extra={"external_userid": contact_id, "tier": wanted, "previous_tier": previous},
        )
        _announce(changed, levels)
        return wanted

    return retry(attempt, times=MAX_ATTEMPTS)  # a tier that kept changing: 503, retry


def _announce(item: Tier, levels: TierConfig) -> None:
    """Tag the contact in WeCom for its level (once per change and staff member), then
    publish TierChanged; both keyed by the tier's version, so a retry repeats neither."""
    effect_id = f"tier#{item.contact_id}#{item.version}"
    _tag(item.contact_id, levels, item.previous_tier, item.tier, effect_id)
    signals.publish(
        signals.TierChanged(
            effect_id=effect_id,
            contact_id=item.contact_id,
            previous_tier=item.previous_tier,
            tier=item.tier,
            at=item.since,
        )
    )
    store.mark_announced(item.contact_id, item.version)


def _tag(
    contact_id: str, levels: TierConfig, previous: str | None, tier: str, effect_id: str
) -> None:
    new, old = levels.level(tier), levels.level(previous)
    add = [new.tag_id] if new and new.tag_id else []
    remove = [old.tag_id] if old and old.tag_id and old.tag_id not in add else []
    if not add and not remove:
        return
    from chalicelib.contacts.queries import find_contact
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


def review(
    now: int | None = None,
    limit: int = 100,
    budget_s: float = 25.0,
    clock: Callable[[], float] = time.monotonic,
    workers: int = JOB_WORKERS,
) -> ReviewRun:
    """Re-evaluate the members whose tier may have lapsed by ``now`` (the scheduled
    review): those above the base level whose review time has come (the by_tier index,
    level by level, oldest first), a page of ``limit`` at a time (``workers`` at once),
    until none is left or ``budget_s`` seconds are spent (``more``). Each member reviewed
    is moved to its new tier or given its next review time, so it leaves what is due and
    the next run goes on with the rest: the work follows what falls due, not the number
    of members, and memory holds one page."""
    from concurrent.futures import ThreadPoolExecutor

    levels = config()
    if levels is None:
        return ReviewRun(reviewed=0, changed=0)
    at = int(now if now is not None else time.time())
    deadline = clock() + budget_s - BUDGET_MARGIN_S
    reviewed = changed = 0

    def review_one(member: Tier) -> bool:
        return evaluate(member.contact_id, at, levels, member) != member.tier

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for level in levels.levels[1:]:
            start = None
            while True:
                if clock() >= deadline:  # out of time: those still due wait for the next run
                    return ReviewRun(reviewed=reviewed, changed=changed, more=True)
                page, start = store.due_members(level.name, at, limit, start)
                reviewed += len(page)
                changed += sum(pool.map(review_one, page))
                if start is None:
                    break
    return ReviewRun(reviewed=reviewed, changed=changed)


def membership(contact_id: str, limit: int = 50) -> Membership:
    levels = config()
    item = store.get_tier(contact_id)
    window = _window(contact_id, levels, int(time.time())) if levels else None
    points, spend = (window.points, window.spend_cents) if window else (0, 0)
    tier = item.tier if item else (levels.levels[0].name if levels else None)
    holds: int | None = None
    if window and levels and item and item.tier != levels.levels[0].name:
        held = levels.tier_for(points, spend) == item.tier  # else lapsed, the review due
        holds = window.changes_at(levels) if held else window.at
    return Membership(
        contact_id=contact_id,
        tier=tier,
        since=item.since if item else None,
        points_in_window=points,
        spend_in_window_cents=spend,
        holds_until=None if holds == NEVER else holds,
        history=store.history(contact_id, limit),
    )
