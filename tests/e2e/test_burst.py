"""A busy hour on loopback: 300 adds pushed by the WeCom simulator at once
(asynchronously, as WeCom does), DynamoDB Local and ``chalice local`` under load. A slow or
refusing store is answered 503, never 500; WeCom's retries (a second apart) bring every
delivery in; every event ends stored and processed once, its add counted once.

Measured on a 2-core machine with other stacks and a CPU hog running: 885 deliveries for
300 adds (705 timed out at WeCom's 5 s, 27 answered 503, none 500), all 300 events
stored and processed once, settled in 76 s; without the hog: 300 deliveries, all 200 at
the first attempt, settled in 92 s."""

from __future__ import annotations

import concurrent.futures
import time
from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.wecom.inbound import parse_event
from local_stack import LocalStack
from tests.e2e.test_load_and_faults import rows
from tests.support.daily_stats import day_counters

ADDS = 300
CHANNEL = "burst"
DEADLINE_S = 420.0  # bounded: a busy machine settles well inside it


@pytest.mark.timeout(900)  # the stack's start-up, the burst and its settling, on a busy machine
def test_a_burst_of_300_concurrent_adds_loses_nothing_and_never_answers_500(
    stack: LocalStack, sim: str, http: Any, dynamodb: Any
) -> None:
    assert http("POST", f"{sim}/_sim/config", {"callback_retry_delay_s": 1.0})[0] == 200
    started = time.monotonic()
    try:

        def add(n: int) -> str:
            status, answer = http(
                "POST",
                f"{sim}/_sim/customers/add",
                {
                    "userid": ("zhangsan", "lisi", "wangwu")[n % 3],
                    "external_userid": f"wmBurst{n:04d}",
                    "state": f"s1:{CHANNEL}",
                    "welcome": False,
                    "async": True,
                },
            )
            assert status == 200, answer
            return str(answer["xml"])

        with concurrent.futures.ThreadPoolExecutor(50) as pool:
            xmls = list(pool.map(add, range(ADDS)))
        keys = [parse_event(xml).key for xml in xmls]
        assert len(set(keys)) == ADDS

        deadline = time.monotonic() + DEADLINE_S
        while True:
            _, deliveries = http("GET", f"{sim}/_sim/callbacks")
            finals: dict[int, dict[str, Any]] = {}
            for record in deliveries:
                if record["ok"] or record["attempt"] == 3:
                    finals[record["push_id"]] = record
            found = rows(dynamodb, stack, keys)
            statuses = Counter(found[k]["status"]["S"] if k in found else "missing" for k in keys)
            if (len(finals) >= ADDS and statuses["processed"] == ADDS) or (
                time.monotonic() > deadline
            ):
                break
            print(f"burst: {len(finals)} pushes settled, events {dict(statuses)}", flush=True)
            time.sleep(2)
    finally:
        http("POST", f"{sim}/_sim/config", {"callback_retry_delay_s": 0.0})
    settled_s = time.monotonic() - started

    answers = Counter(str(r["status"]) for r in deliveries)
    retried = sum(1 for r in deliveries if r["attempt"] > 1)
    attempts = [int(found[k]["attempts"]["N"]) for k in keys if k in found]
    days = {
        datetime.fromtimestamp(
            int(parse_event(xml).fields["CreateTime"]),  # type: ignore[arg-type]
            ZoneInfo("Asia/Shanghai"),
        ).strftime("%Y-%m-%d")
        for xml in xmls
    }
    counted = 0
    for day in days:
        found = day_counters(dynamodb, stack.config.table_prefix, day, f"channel#{CHANNEL}")
        counted += found.get("adds", 0)
    print(
        f"\nburst: {ADDS} adds pushed at once; deliveries {len(deliveries)} "
        f"(answers {dict(answers)}, retried {retried}); "
        f"events {dict(statuses)}; adds counted {counted}; "
        f"processing attempts max {max(attempts, default=0)}; settled in {settled_s:.0f} s"
    )
    assert "500" not in answers  # a slow store is a 503 (WeCom retries), never our 500
    # On a loaded machine some pushes see only timeouts (chalice local slower than WeCom's
    # 5 s) although their event was stored at one of the attempts: nothing may be lost.
    unanswered = [f["push_id"] for f in finals.values() if not f["ok"]]
    print(f"burst: pushes WeCom saw fail although stored: {len(unanswered)}")
    assert statuses == Counter({"processed": ADDS})  # every event stored and processed
    assert counted == ADDS  # once each
