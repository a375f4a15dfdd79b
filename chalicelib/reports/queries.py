"""What other contexts may read of the reports: the daily counters (plain dictionaries of
counter name to value, summed over the shards a day is written across)."""

from __future__ import annotations

from chalicelib.reports import store


def day_counters(day: str, dimension: str) -> dict[str, int]:
    """One local day's counters of ``channel#<channel>``, ``staff#<userid>``,
    ``code#<code>#<channel>``, ``total``, ``groups``…"""
    return store.day_counters(day, dimension)


def code_counters(day: str, code: str) -> dict[str, dict[str, int]]:
    """One local day's counters of every channel of live code ``code``, by channel."""
    prefix = f"code#{code}#"
    rows = store.days_rows([day], prefix)[day]
    return {dimension[len(prefix) :]: counters for dimension, counters in rows.items()}


def group_days(chat_id: str, days: list[str]) -> dict[str, dict[str, int]]:
    """A customer group's joins and leaves (by scene) on each of ``days`` (days without
    any left out)."""
    if not days:
        return {}
    found = store.group_days(chat_id, min(days), max(days))
    return {day: found[day] for day in days if day in found}
