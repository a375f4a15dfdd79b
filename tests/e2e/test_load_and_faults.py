"""Bounded load on loopback: 1,000 callbacks pushed by the WeCom simulator, 30 % of them
duplicates (WeCom's re-encrypted redeliveries of events already delivered, arriving while
the events are being processed), while 20 % of WeCom API calls fail. Every event ends
processed, its once-only effect counted once; none is lost.
"""

from __future__ import annotations

import concurrent.futures
import random
import time
from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.wecom.inbound import parse_event
from local_stack import LocalStack
from tests.support.daily_stats import day_counters

CALLBACKS = 1_000
DUPLICATE_SHARE = 0.3
UNIQUE = round(CALLBACKS * (1 - DUPLICATE_SHARE))  # 700 events, 300 duplicate deliveries
CHANNEL = "loadtest"
CONSUMERS = 3
#: Each rule fires on the calls the ones before it let through: about 20 % of calls fail.
FAULTS = {
    "seed": 2026,
    "rules": [
        {"path": "*", "rate": 0.09, "errcode": -1},  # WeCom busy
        {"path": "*", "rate": 0.07, "errcode": 45009},  # frequency limit
        {"path": "*", "rate": 0.07, "http_status": 500},
    ],
}


def rows(dynamodb: Any, stack: LocalStack, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The inbox rows of ``keys`` (BatchGetItem, 100 at a time, consistent)."""
    table = f"{stack.config.table_prefix}callback-events"
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(keys), 100):
        request: dict[str, Any] = {
            table: {
                "Keys": [{"pk": {"S": key}} for key in keys[start : start + 100]],
                "ConsistentRead": True,
            }
        }
        while request:
            answer = dynamodb.batch_get_item(RequestItems=request)
            for item in answer["Responses"].get(table, []):
                found[item["pk"]["S"]] = item
            request = answer.get("UnprocessedKeys") or {}
    return found


def consume_alongside(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch, keys: list[str]
) -> Counter[str]:
    """More stream consumers next to the local stack's one, as Lambda runs several batches
    at once: each claims events under the same lease, so an event is still acted on once.
    They walk the keys from the newest while the stack's consumer starts at the oldest."""
    from chalicelib.callbacks import processing
    from chalicelib.core.aws import reset_clients
    from chalicelib.core.settings import reset_settings
    from chalicelib.wecom.client import reset_client

    for name, value in stack.config.app_env().items():
        monkeypatch.setenv(name, value)
    for reset in (reset_settings, reset_clients, reset_client):
        reset()
    outcomes: Counter[str] = Counter()

    def work(share: list[str]) -> None:
        for key in share:
            outcomes[processing.process(key).outcome] += 1

    with concurrent.futures.ThreadPoolExecutor(CONSUMERS) as pool:
        list(pool.map(work, [keys[n::CONSUMERS] for n in range(CONSUMERS)]))
    return outcomes


@pytest.mark.timeout(900)  # sending and settling 1,000 callbacks on a busy machine
def test_a_thousand_callbacks_with_duplicates_and_wecom_faults_lose_nothing(
    stack: LocalStack, sim: str, http: Any, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert http("POST", f"{sim}/_sim/faults", FAULTS)[0] == 200
    started = time.monotonic()
    rng = random.Random(7)

    def add(n: int) -> dict[str, Any]:
        status, answer = http(
            "POST",
            f"{sim}/_sim/customers/add",
            {
                "userid": ("zhangsan", "lisi", "wangwu")[n % 3],
                "external_userid": f"wmLoad{n:04d}",
                "name": f"Load {n}",
                "state": f"s1:{CHANNEL}",
                "welcome": False,
            },
        )
        assert status == 200, answer
        return dict(answer)

    def replay(xml: str) -> dict[str, Any]:
        status, answer = http("POST", f"{sim}/_sim/callbacks/push", {"xml": xml})
        assert status == 200, answer
        return dict(answer)

    # Originals first, four at a time; then the duplicates, while processing is under way.
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        added = list(pool.map(add, range(UNIQUE)))
        xmls = [answer["xml"] for answer in added]
        replays = list(pool.map(replay, [rng.choice(xmls) for _ in range(CALLBACKS - UNIQUE)]))
    pushes = [answer["delivery"] for answer in added] + replays
    sent_s = time.monotonic() - started

    keys = [parse_event(xml).key for xml in xmls]
    assert len(set(keys)) == UNIQUE
    helped = consume_alongside(stack, monkeypatch, keys[::-1])
    deadline = time.monotonic() + 480  # a bound for a busy machine; idle, it takes ~1 min
    while True:
        found = rows(dynamodb, stack, keys)
        statuses = Counter(found[k]["status"]["S"] if k in found else "lost" for k in keys)
        if statuses["processed"] + statuses["dead"] == UNIQUE or time.monotonic() > deadline:
            break
        time.sleep(1)
    settled_s = time.monotonic() - started

    _, calls = http("GET", f"{sim}/_sim/log")
    faulted = [c for c in calls if c["status"] != 200 or (c["answer"] or {}).get("errcode", 0) != 0]
    attempts = [int(found[k]["attempts"]["N"]) for k in keys if k in found]
    days = Counter(
        datetime.fromtimestamp(
            int(parse_event(xml).fields["CreateTime"]),  # type: ignore[arg-type]
            ZoneInfo("Asia/Shanghai"),
        ).strftime("%Y-%m-%d")
        for xml in xmls
    )
    counted = 0
    for day in days:
        found = day_counters(dynamodb, stack.config.table_prefix, day, f"channel#{CHANNEL}")
        counted += found.get("adds", 0)
    lost = statuses["lost"] + (UNIQUE - sum(statuses.values()))
    print(
        f"\nload: callbacks sent {len(pushes)} ({UNIQUE} events + {len(replays)} duplicates), "
        f"deliveries accepted {sum(1 for p in pushes if p and p.get('ok'))}; "
        f"WeCom calls {len(calls)}, faults injected {len(faulted)} "
        f"({100 * len(faulted) / max(1, len(calls)):.0f} %); "
        f"processed {statuses['processed']}, dead {statuses['dead']}, lost {lost}; "
        f"adds counted once each: {counted}; attempts max {max(attempts)} total {sum(attempts)}; "
        f"sent in {sent_s:.0f} s, settled in {settled_s:.0f} s; "
        f"extra consumers' outcomes {dict(helped)}"
    )
    assert len(pushes) == CALLBACKS and all(p and p.get("ok") for p in pushes)
    assert statuses == Counter({"processed": UNIQUE}) and lost == 0
    assert counted == UNIQUE  # 300 duplicates and every retry after a fault changed nothing
    assert len(faulted) >= 0.15 * len(calls)  # about one WeCom call in five failed
    assert max(attempts) <= 8
