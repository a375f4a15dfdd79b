"""Every event has its effect once, counted in the WeCom simulator's log, and nothing is
lost when WeCom misbehaves while events arrive."""

from __future__ import annotations

import concurrent.futures
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.wecom.inbound import parse_event
from local_stack import LocalStack
from tests.support.daily_stats import day_counters


def row(dynamodb: Any, stack: LocalStack, xml: str) -> dict[str, Any] | None:
    return dynamodb.get_item(
        TableName=f"{stack.config.table_prefix}callback-events",
        Key={"pk": {"S": parse_event(xml).key}},
        ConsistentRead=True,
    ).get("Item")


def settle(dynamodb: Any, stack: LocalStack, xmls: list[str], timeout_s: float = 120) -> list[Any]:
    """Wait until every event is processed (or dead); return their rows."""
    deadline = time.monotonic() + timeout_s
    while True:
        rows = [row(dynamodb, stack, xml) for xml in xmls]
        done = [r for r in rows if r and r["status"]["S"] in ("processed", "dead")]
        if len(done) == len(xmls) or time.monotonic() > deadline:
            return rows
        time.sleep(0.3)


def succeeded(http: Any, sim: str, path: str) -> list[dict[str, Any]]:
    _, calls = http("GET", f"{sim}/_sim/log?path={path}")
    return [c for c in calls if c["status"] == 200 and c["answer"].get("errcode") == 0]


def test_replays_and_concurrent_duplicates_have_one_effect(
    stack: LocalStack, sim: str, http: Any, admin: Any, dynamodb: Any
) -> None:
    status, _ = admin(
        "PUT", "/admin/welcome-messages/default", {"text": "您好 {name}"}, role="operator"
    )
    assert status == 200
    _, added = http(
        "POST",
        f"{sim}/_sim/customers/add",
        {"userid": "zhangsan", "name": "Once", "state": "s9:flyer"},
    )
    xml = added["xml"]
    for _ in range(3):  # WeCom's retries, one after another
        http("POST", f"{sim}/_sim/callbacks/push", {"xml": xml})
    with concurrent.futures.ThreadPoolExecutor(8) as pool:  # and racing each other
        list(pool.map(lambda _: http("POST", f"{sim}/_sim/callbacks/push", {"xml": xml}), range(8)))
    [stored] = settle(dynamodb, stack, [xml])
    assert stored["status"]["S"] == "processed"

    assert len(succeeded(http, sim, "externalcontact/send_welcome_msg")) == 1
    status, contact = admin("GET", f"/admin/contacts/{added['external_userid']}", role="viewer")
    assert status == 200 and len(contact["relationships"]) == 1
    created = int(parse_event(xml).fields["CreateTime"])  # type: ignore[arg-type]
    day = datetime.fromtimestamp(created, ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d")
    counter = day_counters(dynamodb, stack.config.table_prefix, day, "channel#flyer")
    assert counter["adds"] == 1


def test_events_arriving_during_wecom_faults_all_end_processed(
    stack: LocalStack, sim: str, http: Any, admin: Any, dynamodb: Any
) -> None:
    faults = {
        "seed": 11,
        "rules": [
            {"path": "externalcontact/get", "rate": 0.3, "errcode": -1},
            {"path": "externalcontact/get", "rate": 0.2, "errcode": 45009},
            {"path": "externalcontact/get", "delay_ms": 1500, "times": 3},  # client timeout: 1 s
            {"path": "externalcontact/*", "errcode": 42001, "times": 2},
            {"path": "gettoken", "http_status": 500, "times": 1},
        ],
    }
    assert http("POST", f"{sim}/_sim/faults", faults)[0] == 200
    customers = 20
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(
                lambda n: http(
                    "POST",
                    f"{sim}/_sim/customers/add",
                    {
                        "userid": ("zhangsan", "lisi")[n % 2],
                        "name": f"Fault {n}",
                        "state": "s7:ads",
                        "welcome": False,
                    },
                )[1],
                range(customers),
            )
        )
    xmls = [answer["xml"] for answer in answers]
    rows = settle(dynamodb, stack, xmls, timeout_s=240)

    statuses = [r["status"]["S"] if r else "lost" for r in rows]
    assert statuses == ["processed"] * customers
    attempts = [int(r["attempts"]["N"]) for r in rows if r]
    assert max(attempts) <= 8  # CALLBACK_MAX_ATTEMPTS: retries are bounded
    for answer in answers:
        status, contact = admin(
            "GET", f"/admin/contacts/{answer['external_userid']}", role="viewer"
        )
        assert status == 200 and contact["relationships"][0]["channel"] == "ads"
    _, calls = http("GET", f"{sim}/_sim/log?path=externalcontact/get")
    faulted = [c for c in calls if c["answer"] is None or c["answer"].get("errcode") != 0]
    assert faulted, "the faults were injected"
    _, tokens = http("GET", f"{sim}/_sim/log?path=gettoken")
    assert len(tokens) <= 10  # one shared token, refreshed on 42001, not per call
    print(
        f"faults injected: {len(faulted)} of {len(calls)} externalcontact/get calls; "
        f"attempts per event: max {max(attempts)}, total {sum(attempts)}; "
        f"gettoken calls: {len(tokens)}; events lost: {statuses.count('lost')}"
    )
