"""Warm ``GET /l/{code}`` (a live-code scan) against its floor.

Measured: ``livecodes.service.scan`` — one Query of the code's partition (configuration,
contact ways and today's counters), the rotation rules (pool of 10 with caps and working
hours, weighted), and the conditional update that counts the scan and reserves the
member's slot. Floor: the irreducible part with boto3 — one GetItem of the configuration
and one counter update. Both run in this process against the real DynamoDB Local,
interleaved (goal <= 1.5x).
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.harness import Figure, interleaved, on_local_stack

ROUNDS = 300
CODE = "bench1"


def run() -> list[Figure]:
    return on_local_stack(lambda stack: [_measure(stack)])


def _code() -> dict[str, Any]:
    from chalicelib.livecodes.models import LiveCode

    staff = [
        {
            "userid": f"staff{n}",
            "weight": 1 + n % 3,
            "daily_cap": 100_000,
            "schedule": {str(d): [{"start": "00:00", "end": "24:00"}] for d in range(1, 8)},
        }
        for n in range(10)
    ]
    ways = [
        {
            "userid": f"staff{n}",
            "channel": channel,
            "config_id": f"cfg{n}{channel}",
            "qr_code": f"https://wework.qpic.cn/wwpic/{n}{channel}/0",
            "state": f"lc:{CODE}:{channel}",
        }
        for n in range(10)
        for channel in ("poster", "parcel", "store")
    ]
    return LiveCode.model_validate(
        {
            "code": CODE,
            "mode": "weighted",
            "staff": staff,
            "backup": ["staff0"],
            "channels": ["poster", "parcel", "store"],
            "ways": ways,
        }
    ).model_dump(mode="json")


def _measure(stack: Any) -> Figure:
    import boto3

    from chalicelib.livecodes import service, store

    store.put_doc(CODE, _code(), "bench", int(time.time()))
    table = f"{stack.config.table_prefix}live-codes"
    dynamodb = boto3.session.Session().client("dynamodb", endpoint_url=stack.config.dynamodb_url)
    day = service.now_local().date().isoformat()

    def redirect() -> float:
        started = time.perf_counter()
        service.scan(CODE, "poster")
        return (time.perf_counter() - started) * 1000

    def floor() -> float:
        started = time.perf_counter()
        dynamodb.get_item(TableName=table, Key={"pk": {"S": f"code#{CODE}"}, "sk": {"S": "meta"}})
        dynamodb.update_item(
            TableName=table,
            Key={"pk": {"S": "floor#bench"}, "sk": {"S": f"day#{day}"}},
            UpdateExpression="ADD scans :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
        return (time.perf_counter() - started) * 1000

    for _ in range(20):  # warm both paths: imports, connections
        redirect()
        floor()
    measured, floor_ms = interleaved(redirect, floor, ROUNDS)
    return Figure(
        "warm live-code redirect (GET /l/{code})",
        measured,
        floor_ms,
        1.5,
        "one get + one counter update",
        ROUNDS,
    )
