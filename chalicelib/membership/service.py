"""Use cases of membership: the tier a contact reaches from points and/or spend over a
rolling window, its history, WeCom tags per level, and :class:`signals.TierChanged`.

A tier is re-evaluated when the contact's orders or points change (signals: once per
order, after the points it earned) and by the tier review for every member above the base
level (the window rolls: downgrades happen without any event).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from chalicelib import signals
from chalicelib.core.observability import logger
from chalicelib.membership import levels as tier_levels
from chalicelib.membership import store
from chalicelib.membership.models import (
    Membership,
    ReviewRun,
    Tier,
    TierChange,
    TierConfig,
)
from chalicelib.storage.ops import retry

DAY_S = 86_400
MAX_ATTEMPTS = 8
#: A sweep of every member starts at most this often (the review runs more often, each
#: run resuming the sweep where the last one stopped).
SWEEP_EVERY_S = 20 * 3600
REVIEW_JOB = "review_tiers"
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


def _window(contact_id: str, levels: TierConfig, at: int) -> tuple[int, int]:
    points, spend = _needed(contact_id, levels, at, points=True, spend=True)
    return points or 0, spend or 0


def _needed(
    contact_id: str, levels: TierConfig, at: int, *, points: bool = False, spend: bool = False
) -> tuple[int | None, int | None]:
    """Points earned and spend within the window, each read when asked for or when some
    level has a threshold of it (``None``: not read, it decides nothing)."""
    from chalicelib.orders.queries import spend_since
    from chalicelib.points.queries import earned_since

    since = at - levels.window_days * DAY_S
    points = points or any(level.min_points for level in levels.levels)
    spend = spend or any(level.min_spend_cents for level in levels.levels)
    return (
        earned_since(contact_id, since) if points else None,
        spend_since(contact_id, since) if spend else None,
    )


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
    points, spend = _needed(contact_id, levels, now)
    wanted = levels.tier_for(points or 0, spend or 0)
    base = levels.levels[0].name

    def attempt() -> str | None:
        item = reads.pop() if reads else store.get_tier(contact_id)
        if item is not None and item.tier == wanted:
            if item.announced < item.version:
                _announce(item, levels)
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
        )
        window = (points, spend)
        if None in window:  # the change's record keeps both
            window = _window(contact_id, levels, now)
        change = TierChange(
            tier=wanted,
            previous_tier=previous,
            at=now,
            points=window[0] or 0,
            spend_cents=window[1] or 0,
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
    """Re-evaluate every member above the base level (the scheduled review), level after
    level, a page of ``limit`` at a time (``workers`` at once), until the sweep is done or
    ``budget_s`` seconds are spent: then the level and the page it had reached are saved
    and the next run resumes there (``more``). A new sweep starts at most every
    :data:`SWEEP_EVERY_S`. Members whose window emptied (lapsed) are downgraded like any
    other; memory holds one page."""
    from concurrent.futures import ThreadPoolExecutor

    levels = config()
    if levels is None:
        return ReviewRun(reviewed=0, changed=0)
    at = int(now if now is not None else time.time())
    deadline = clock() + budget_s - BUDGET_MARGIN_S
    saved = store.job_cursor(REVIEW_JOB)
    names = [level.name for level in levels.levels[1:]]
    if saved.get("level") not in names:  # no sweep under way: start one when it is due
        if at - int(saved.get("sweep_started", 0)) < SWEEP_EVERY_S:
            return ReviewRun(reviewed=0, changed=0)
        saved = {"level": names[0] if names else "", "start": None, "sweep_started": at}
    reviewed = changed = 0
    start = saved.get("start") or None

    def review_one(member: Tier) -> bool:
        return evaluate(member.contact_id, at, levels, member) != member.tier

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for name in names[names.index(saved["level"]) :]:
            while True:
                if clock() >= deadline:  # out of time: the next run goes on from this page
                    store.save_job_cursor(REVIEW_JOB, {**saved, "level": name, "start": start}, at)
                    return ReviewRun(reviewed=reviewed, changed=changed, more=True)
                page, following = store.members_page(name, limit, start)
                reviewed += len(page)
                changed += sum(pool.map(review_one, page))
                if following is None:
                    break
                start = following
            start = None
    store.save_job_cursor(REVIEW_JOB, {"sweep_started": saved["sweep_started"]}, at)
    return ReviewRun(reviewed=reviewed, changed=changed)


def membership(contact_id: str, limit: int = 50) -> Membership:
    levels = config()
    item = store.get_tier(contact_id)
    points, spend = _window(contact_id, levels, int(time.time())) if levels else (0, 0)
    tier = item.tier if item else (levels.levels[0].name if levels else None)
    return Membership(
        contact_id=contact_id,
        tier=tier,
        since=item.since if item else None,
        points_in_window=points,
        spend_in_window_cents=spend,
        history=store.history(contact_id, limit),
    )
