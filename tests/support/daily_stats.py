"""Read the reports' daily counters straight from DynamoDB (a local stack's tables): a
day's dimension is summed over the shards it is written across."""

from __future__ import annotations

from typing import Any

from chalicelib.reports.store import SHARDS, day_key


def day_counters(dynamodb: Any, table_prefix: str, day: str, dimension: str) -> dict[str, int]:
    """One local day's counters of ``dimension`` (``channel#…``, ``staff#…``, ``total``…)."""
    table = f"{table_prefix}daily-stats"
    keys = [{"pk": {"S": day_key(day, shard)}, "sk": {"S": dimension}} for shard in range(SHARDS)]
    wanted: dict[str, Any] = {table: {"Keys": keys, "ConsistentRead": True}}
    total: dict[str, int] = {}
    while wanted:
        answer = dynamodb.batch_get_item(RequestItems=wanted)
        for item in answer.get("Responses", {}).get(table, []):
            for name, value in item.items():
                if "N" in value:
                    total[name] = total.get(name, 0) + int(value["N"])
        wanted = answer.get("UnprocessedKeys") or {}
    return total
