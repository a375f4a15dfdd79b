"""Deletions counted as the contacts context credits them now, each move once.

A deletion is counted when first seen, on the channel of the add before it (``unknown``
when the product never saw one). An add processed after it (WeCom's events come late and
out of order) may show which add it follows: its count then moves to that add's channel.
The contacts context derives each deletion's credit from the relationship's facts
(:func:`chalicelib.contacts.queries.deletion_credits`); the reports keep a memo of how
each one is counted (:class:`chalicelib.reports.store.LossMemo`) and move the difference,
each move once-only by its effect id, however often a signal is heard.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.contacts import queries as contacts
from chalicelib.core.observability import metrics
from chalicelib.core.settings import get_settings
from chalicelib.reports import aggregates, store
from chalicelib.reports.aggregates import Loss
from chalicelib.storage.ops import retry

if TYPE_CHECKING:
    from chalicelib.contacts.queries import Credit


def loss_of(credit: Credit) -> Loss:
    return Loss(
        at=credit.at,
        by=str(credit.by),
        channel=credit.channel,
        code=credit.code,
        added_at=credit.added_at,
        retention_days=credit.retention_days,
    )


def fingerprint(loss: Loss) -> str:
    text = f"{loss.by}|{loss.channel}|{loss.code}|{loss.added_at}|{loss.retention_days}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def move_effect_id(
    external_userid: str, userid: str, key: str, before: Loss | None, after: Loss
) -> str:
    """``<deletion event>#deletion`` the first time, then one id per move."""
    effect_id = f"{key or f'{external_userid}#{userid}#del#{after.at}'}#deletion"
    if before is not None:
        effect_id += f"#{fingerprint(before)}>{fingerprint(after)}"
    return effect_id


def settle(external_userid: str) -> int:
    """Bring the counters in line with every deletion of the customer's relationships;
    returns how many moves were made (0 when nothing changed)."""
    credits = contacts.deletion_credits(external_userid)
    if not credits:
        return 0
    zone = get_settings().timezone

    def attempt() -> int:
        memo = store.loss_memo(external_userid)
        moved = 0
        for userid, by_fact in credits.items():
            counted = memo.losses.setdefault(userid, {})
            for name, credit in by_fact.items():
                after, before = loss_of(credit), counted.get(name)
                if before == after:
                    continue
                effect_id = move_effect_id(external_userid, userid, credit.key, before, after)
                deltas = aggregates.moved_loss_effect(before, after, userid, zone)
                if store.apply_deltas_once(effect_id, deltas) and before is None:
                    metrics.add_metric(
                        name=f"ContactDeletedBy{after.by.title()}", unit=MetricUnit.Count, value=1
                    )
                counted[name] = after
                moved += 1
        if moved:
            store.save_loss_memo(memo)  # Conflict: read again (each move above is once-only)
        return moved

    return retry(attempt)
