"""Over HTTP against the local stack: contact state converges whatever the order in which
events are processed; a completed handover moves the customer; a churn alert whose send
timed out reaches the member once."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.wecom.inbound import parse_event
from local_stack import LocalStack
from tests.e2e.test_contacts_exactly_once import settle
from tests.support.daily_stats import day_counters

WAIT_S = 120.0  # polling bound, generous for a busy machine


def eventually(check: Callable[[], Any], timeout_s: float = WAIT_S) -> Any:
    """Poll ``check`` until it returns something truthy (or the bound passes)."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.3)


def counters(dynamodb: Any, stack: LocalStack, xml: str, dimension: str) -> dict[str, int]:
    created = int(parse_event(xml).fields["CreateTime"])  # type: ignore[arg-type]
    day = datetime.fromtimestamp(created, ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d")
    return day_counters(dynamodb, stack.config.table_prefix, day, dimension)


def test_an_add_retried_after_the_customers_deletion_converges(
    stack: LocalStack, sim: str, http: Any, admin: Any, dynamodb: Any
) -> None:
    # externalcontact/get busy for the add's first attempts: the deletion is processed first
    faults = {"rules": [{"path": "externalcontact/get", "errcode": -1, "times": 6}]}
    assert http("POST", f"{sim}/_sim/faults", faults)[0] == 200
    _, added = http(
        "POST",
        f"{sim}/_sim/customers/add",
        {"userid": "zhangsan", "name": "Order", "state": "s3:converge", "welcome": False},
    )
    ext = added["external_userid"]
    _, deleted = http(
        "POST",
        f"{sim}/_sim/customers/delete_member",
        {"userid": "zhangsan", "external_userid": ext},
    )
    unknown_before = counters(dynamodb, stack, deleted["xml"], "channel#unknown")
    rows = settle(dynamodb, stack, [added["xml"], deleted["xml"]], timeout_s=WAIT_S)
    assert [r["status"]["S"] for r in rows] == ["processed", "processed"]
    assert int(rows[0]["attempts"]["N"]) > 1  # the add was retried after the deletion

    status, contact = admin("GET", f"/admin/contacts/{ext}", role="viewer")
    assert status == 200, contact
    [rel] = contact["relationships"]
    assert (contact["status"], rel["status"], rel["ended_by"], rel["channel"]) == (
        "lost",
        "ended",
        "customer",
        "converge",
    )
    row = counters(dynamodb, stack, added["xml"], "channel#converge")
    assert (row["adds"], row["deletions_by_customer"], row["cohort_lost"]) == (1, 1, 1)
    assert counters(dynamodb, stack, deleted["xml"], "channel#unknown").get(
        "deletions_by_customer", 0
    ) == unknown_before.get("deletions_by_customer", 0)
    _, timeline = admin("GET", f"/admin/contacts/{ext}/timeline", role="viewer")
    kinds = {e["kind"] for e in timeline["items"]} if isinstance(timeline, dict) else set()
    assert {"added", "deleted"} <= kinds


def _add_and_settle(
    http: Any, sim: str, dynamodb: Any, stack: LocalStack, userid: str, channel: str
) -> str:
    _, added = http(
        "POST",
        f"{sim}/_sim/customers/add",
        {"userid": userid, "name": "Moved", "state": f"s4:{channel}", "welcome": False},
    )
    [row] = settle(dynamodb, stack, [added["xml"]], timeout_s=WAIT_S)
    assert row["status"]["S"] == "processed"
    return str(added["external_userid"])


def _moved(admin: Any, ext: str, old: str, new: str, channel: str) -> bool:
    status, contact = admin("GET", f"/admin/contacts/{ext}", role="viewer")
    if status != 200:
        return False
    rels = {r["staff_userid"]: r for r in contact["relationships"]}
    return (
        contact["status"] == "active"
        and rels.get(old, {}).get("ended_by") == "transfer"
        and rels.get(new, {}).get("status") == "active"
        and rels[new]["channel"] == channel
    )


def _listed(admin: Any, userid: str, ext: str) -> str | None:
    _, listed = admin("GET", f"/admin/staff/{userid}/contacts", role="viewer")
    return next((r["status"] for r in listed["items"] if r["external_userid"] == ext), None)


def test_a_resigned_handover_moves_the_customer_to_the_takeover(
    stack: LocalStack, sim: str, http: Any, admin: Any, dynamodb: Any
) -> None:
    ext = _add_and_settle(http, sim, dynamodb, stack, "zhangsan", "resigned")
    assert http("POST", f"{sim}/_sim/staff", {"userid": "zhangsan", "resigned": True})[0] == 200
    body = {
        "handover_userid": "zhangsan",
        "takeover_userid": "lisi",
        "external_userids": [ext],
        "resigned": True,
    }
    status, answer = admin("POST", "/admin/handover/transfer", body)
    assert status == 200 and answer["accepted"] == 1, answer
    assert http("POST", f"{sim}/_sim/transfers/complete", {"external_userid": ext})[0] == 200
    status, refreshed = admin("POST", "/admin/handover/refresh", {})
    assert status == 200, refreshed

    assert _moved(admin, ext, "zhangsan", "lisi", "resigned")
    assert _listed(admin, "lisi", ext) == "active"
    assert _listed(admin, "zhangsan", ext) == "ended"
    _, world = http("GET", f"{sim}/_sim/state")
    [customer] = [c for c in world["customers"] if c["external_userid"] == ext]
    assert [f["userid"] for f in customer["follow_user"]] == ["lisi"]  # as WeCom shows it


def test_an_on_job_transfer_moves_the_customer_without_a_churn_alert(
    stack: LocalStack, sim: str, http: Any, admin: Any, dynamodb: Any
) -> None:
    ext = _add_and_settle(http, sim, dynamodb, stack, "wangwu", "onjob")
    body = {"handover_userid": "wangwu", "takeover_userid": "lisi", "external_userids": [ext]}
    status, answer = admin("POST", "/admin/handover/transfer", body)
    assert status == 200 and answer["accepted"] == 1, answer
    _, completed = http("POST", f"{sim}/_sim/transfers/complete", {"external_userid": ext})
    pushes = [p for p in completed["deliveries"] if p]  # del_external_contact, by transfer
    assert pushes and all(p.get("ok") for p in pushes), pushes
    xmls = [p["deliveries"][-1]["xml"] for p in pushes]

    assert eventually(lambda: _moved(admin, ext, "wangwu", "lisi", "onjob"))
    assert _listed(admin, "lisi", ext) == "active"
    row = counters(dynamodb, stack, xmls[0], "channel#onjob")
    assert row.get("deletions_by_transfer") == 1 and "deletions_by_staff" not in row
    _, sent = http("GET", f"{sim}/_sim/log?path=message/send")
    assert not [c for c in sent if c["body"].get("touser") == "wangwu"]  # no churn alert
    status, _ = admin("POST", "/admin/handover/refresh", {})  # transfer_result says it again
    assert status == 200 and _moved(admin, ext, "wangwu", "lisi", "onjob")
    assert counters(dynamodb, stack, xmls[0], "channel#onjob").get("deletions_by_transfer") == 1


def test_a_churn_alert_whose_send_timed_out_reaches_the_member_once(
    stack: LocalStack, sim: str, http: Any, dynamodb: Any
) -> None:
    _, added = http(
        "POST",
        f"{sim}/_sim/customers/add",
        {"userid": "zhangsan", "name": "Slow Alert", "state": "s5:alerts", "welcome": False},
    )
    settle(dynamodb, stack, [added["xml"]], timeout_s=WAIT_S)
    # WeCom slower than the client's 1 s timeout, once: the message is delivered anyway
    slow = {"rules": [{"path": "message/send", "delay_ms": 2500, "times": 1}]}
    assert http("POST", f"{sim}/_sim/faults", slow)[0] == 200
    _, deleted = http(
        "POST",
        f"{sim}/_sim/customers/delete_member",
        {"userid": "zhangsan", "external_userid": added["external_userid"]},
    )
    [row] = settle(dynamodb, stack, [deleted["xml"]], timeout_s=WAIT_S)
    assert row["status"]["S"] == "processed"

    def alerts() -> list[dict[str, Any]]:
        _, world = http("GET", f"{sim}/_sim/state")
        return [
            m
            for m in world["app_messages"]
            if "zhangsan" in m["touser"] and "Slow Alert" in m["text"]["content"]
        ]

    assert eventually(alerts)

    def calls() -> list[dict[str, Any]]:
        _, sent = http("GET", f"{sim}/_sim/log?path=message/send")
        return list(sent) if len(sent) >= 2 else []

    sent = eventually(calls, timeout_s=30)
    assert sent, http("GET", f"{sim}/_sim/log?path=message/send")[1]  # timed out, then replayed
    assert all(c["body"]["enable_duplicate_check"] == 1 for c in sent)
    assert len(alerts()) == 1
