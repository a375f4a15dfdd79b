"""Warm ``GET /l/{code}`` (a live-code scan) against its floor.

Measured: ``livecodes.service.scan`` — one BatchGetItem of the channel's route item and
today's counters, the rotation rules (pool of 10 with caps and working hours, weighted),
and the conditional update that counts the scan and reserves the member's slot. Floor:
the irreducible part with boto3 — one GetItem of the configuration and one counter update.
Both run in this process against the real DynamoDB Local, interleaved (goal <= 1.5x).

Printed besides: the DynamoDB requests and read units (as DynamoDB Local reports them) of
one scan of a 1-way code and of a 500-way code (50 members × 10 channels), against the
floor of 2 requests and 1 read unit: the scan never reads the ways of other channels.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.harness import Figure, interleaved, on_local_stack

ROUNDS = 300
CODE = "bench1"


def run() -> list[Figure]:
    return on_local_stack(lambda stack: [_measure(stack)])


def _code(code: str = CODE, members: int = 10, channels: tuple[str, ...] = ()) -> Any:
    from chalicelib.livecodes.models import LiveCode

    channels = channels or ("poster", "parcel", "store")
    staff = [
        {
            "userid": f"staff{n}",
            "weight": 1 + n % 3,
            "daily_cap": 100_000,
            "schedule": {str(d): [{"start": "00:00", "end": "24:00"}] for d in range(1, 8)},
        }
        for n in range(members)
    ]
    ways = [
        {
            "userid": f"staff{n}",
            "channel": channel,
            "config_id": f"cfg{n}{channel}",
            "qr_code": f"https://wework.qpic.cn/wwpic/{_token(n, channel)}/0",
            "state": f"lc:{code}:{channel}",
        }
        for n in range(members)
        for channel in channels
    ]
    return LiveCode.model_validate(
        {
            "code": code,
            "mode": "weighted",
            "staff": staff,
            "backup": ["staff0"],
            "channels": list(channels),
            "ways": ways,
        }
    )


def _token(n: int, channel: str) -> str:
    """A QR id as random as WeCom's."""
    import base64
    import hashlib

    digest = hashlib.sha256(f"{n}{channel}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:32]


def _store(live: Any) -> None:
    from chalicelib.livecodes import service, store

    store.put_doc(
        live.code, live.model_dump(mode="json"), "bench", int(time.time()), service.routes_of(live)
    )


def _cost(code: str, channel: str) -> tuple[int, float]:
    """Requests and read units of one scan, as DynamoDB reports them."""
    from benchmarks.requests import counting, hook
    from chalicelib.core import aws
    from chalicelib.livecodes import service

    hook(aws.client("dynamodb"))
    with counting() as tally:
        service.scan(code, channel)
    return tally.requests, tally.read_units


def _measure(stack: Any) -> Figure:
    import boto3

    from chalicelib.livecodes import service

    _store(_code())
    _store(_code("one", 1, ("poster",)))
    _store(_code("wide", 50, tuple(f"ch{n}" for n in range(10))))
    for code, ways, channel in (("one", 1, "poster"), ("wide", 500, "ch9")):
        service.scan(code, channel)  # warm: imports, the parsed route
        requests, units = _cost(code, channel)
        print(
            f"  live-code scan of a {ways}-way code: {requests} DynamoDB requests, "
            f"{units:g} read units (floor: 2 requests, 1 read unit)"
        )
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
