"""Matching auto-tag rules against an add: pure functions, no I/O.

Time conditions use the local time of the configured zone (``settings.timezone``): staff
think of "weekend evenings" in their own clock. A window crossing midnight belongs to the
day it starts on: "Friday, 22 → 6" matches Saturday 02:00, not Friday 02:00.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from chalicelib.tags.models import TagRuleIn


@dataclass(frozen=True)
class AddFacts:
    """What a rule may look at: the add's channel and live code, the customer's gender, the
    local time."""

    channel: str
    gender: int
    added_at: datetime  # timezone-aware, in the configured zone
    code: str = ""  # the live code of the add, if any


def local_time(epoch_s: int, timezone: str) -> datetime:
    return datetime.fromtimestamp(epoch_s, ZoneInfo(timezone))


def matches(rule: TagRuleIn, facts: AddFacts) -> bool:
    if not rule.enabled:
        return False
    if rule.channel is not None and rule.channel != facts.channel:
        return False
    if rule.code is not None and rule.code != facts.code:
        return False
    if rule.gender is not None and rule.gender != facts.gender:
        return False
    hour = facts.added_at.hour
    if rule.hours is not None and not rule.hours.contains(hour):
        return False
    if rule.weekdays is not None:
        day = facts.added_at
        if rule.hours is not None and rule.hours.crosses_midnight and hour < rule.hours.end:
            day -= timedelta(days=1)  # the small hours belong to the evening before
        if day.isoweekday() not in rule.weekdays:
            return False
    return True


def tags_for(rules: Iterable[TagRuleIn], facts: AddFacts) -> list[str]:
    """The union of the tags of every matching rule, sorted (one ``mark_tag`` call)."""
    return sorted({tag for rule in rules if matches(rule, facts) for tag in rule.tag_ids})
