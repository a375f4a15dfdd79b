"""Limits a user meets over HTTP on the real local stack: a refused live-code save changes
nothing, bodies without the JSON header and absurdly deep ones, adjustments and refunds
within bounds, reservations that expire, unknown contacts, pages with cursors, the staff
member's name in a welcome, WeCom's URL check whatever its Content-Type."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from chalicelib.auth.tokens import mint
from local_stack import LocalStack
from tests.e2e.test_contacts_exactly_once import settle, succeeded
from tests.e2e.test_live_codes import put_code, scan
from tests.e2e.test_orders_and_points import generic, webhook


def raw_call(
    stack: LocalStack, method: str, path: str, data: bytes | None, headers: dict[str, str]
) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{stack.config.api_url}{path}", data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status, payload = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
    try:
        return status, json.loads(payload) if payload else None
    except ValueError:
        return status, payload.decode(errors="replace")


def token(stack: LocalStack, role: str) -> dict[str, str]:
    key = stack.config.admin_jwt_secret
    return {"Authorization": f"Bearer {mint('e2e-limits', role, key=key)}"}  # type: ignore[arg-type]


def sim_ways(http: Any, sim: str) -> list[dict[str, Any]]:
    _, state = http("GET", f"{sim}/_sim/state")
    return sorted(state["contact_ways"], key=lambda w: str(w.get("config_id")))


def add_customer(http: Any, sim: str, dynamodb: Any, stack: LocalStack, **body: Any) -> str:
    _, added = http("POST", f"{sim}/_sim/customers/add", body)
    [row] = settle(dynamodb, stack, [added["xml"]])
    assert row["status"]["S"] == "processed"
    return str(added["external_userid"])


def test_a_live_code_save_wecom_refuses_leaves_the_code_and_wecom_as_they_were(
    stack: LocalStack, sim: str, http: Any, admin: Any
) -> None:
    status, _ = put_code(admin, "lim1", {"staff": [{"userid": "zhangsan", "daily_cap": 5}]})
    assert status == 200
    _, before = admin("GET", "/admin/live-codes/lim1", role="viewer")
    ways_before = sim_ways(http, sim)
    body = {
        "staff": [{"userid": "zhangsan", "daily_cap": 50}, {"userid": "lisi"}, {"userid": "ghost"}],
        "backup": ["wangwu"],
    }
    status, refused = put_code(admin, "lim1", body)
    assert (status, refused["error"]) == (422, "wecom_refused")
    assert admin("GET", "/admin/live-codes/lim1", role="viewer")[1] == before
    assert sim_ways(http, sim) == ways_before


def test_bodies_without_the_json_header_work_and_deep_ones_are_a_400_with_no_trace(
    stack: LocalStack, sim: str, admin: Any
) -> None:
    operator = token(stack, "operator")
    body = json.dumps({"text": "您好，我是{staff}"}).encode()
    for headers in ({}, {"Content-Type": "application/x-www-form-urlencoded"}):
        status, saved = raw_call(
            stack, "PUT", "/admin/welcome-messages/lim", body, operator | headers
        )
        assert status == 200, saved
    _, audit_before = admin("GET", "/admin/audit?limit=1000")
    deep = b"[" * 50_000 + b"]" * 50_000
    status, answer = raw_call(
        stack,
        "PUT",
        "/admin/welcome-messages/deep",
        deep,
        operator | {"Content-Type": "application/json"},
    )
    assert (status, answer["error"]) == (400, "too_deep")
    _, audit_after = admin("GET", "/admin/audit?limit=1000")
    assert len(audit_after["items"]) == len(audit_before["items"])
    assert admin("GET", "/admin/welcome-messages/deep", role="viewer")[0] == 404


def test_wecom_url_check_answers_whatever_its_content_type(stack: LocalStack, sim: str) -> None:
    from chalicelib.wecom.crypto import CallbackCrypto, sign

    crypto = CallbackCrypto(stack.config.token, stack.config.encoding_aes_key, stack.config.corp_id)
    ts, nonce = str(int(time.time())), "n-lim"
    echostr, _ = crypto.encrypt("20261201", nonce, ts)
    query = urlencode(
        {
            "msg_signature": sign(stack.config.token, ts, nonce, echostr),
            "timestamp": ts,
            "nonce": nonce,
            "echostr": echostr,
        }
    )
    status, text = raw_call(
        stack, "GET", f"/wecom/callback?{query}", None, {"Content-Type": "text/xml"}
    )
    assert (status, text) == (200, 20261201)


def test_adjustments_and_refunds_stay_within_bounds(
    stack: LocalStack, sim: str, http: Any, admin: Any, dynamodb: Any
) -> None:
    ghost = admin(
        "POST",
        "/admin/contacts/wmNobodyAtAll/points/adjust",
        {"delta": 20_000_000, "reason": "x", "request_id": "lim-ghost"},
        role="admin",
    )
    assert ghost[0] in (400, 404)
    small = admin(
        "POST",
        "/admin/contacts/wmNobodyAtAll/points/adjust",
        {"delta": 5, "reason": "x", "request_id": "lim-ghost-2"},
        role="operator",
    )
    assert (small[0], small[1]["error"]) == (404, "contact_not_found")
    assert admin("GET", "/admin/contacts/wmNobodyAtAll/points", role="viewer")[0] == 404

    customer = add_customer(http, sim, dynamodb, stack, userid="lisi", name="限额", welcome=False)
    big = admin(
        "POST",
        f"/admin/contacts/{customer}/points/adjust",
        {"delta": 50_000, "reason": "goodwill", "request_id": "lim-big"},
        role="operator",
    )
    assert (big[0], big[1]["error"]) == (403, "adjustment_needs_admin")

    order = {"order_id": "lim-o1", "amount_cents": 1000, "buyer": {"external_userid": customer}}
    assert webhook(stack, "generic", *generic(stack, {**order, "event": "paid"}))[0] == 200
    huge = {**order, "event": "refunded", "refund_id": "lim-r1", "refund_cents": 10**12}
    assert webhook(stack, "generic", *generic(stack, huge))[0] == 200
    status, found = admin("GET", "/admin/orders/generic:lim-o1", role="viewer")
    assert status == 200
    assert (found["status"], found["refunded_cents"]) == ("refunded", 1000)
    assert sum(found["rejected_refunds"].values()) == 10**12 - 1000


def test_anonymous_scans_cannot_close_a_code_for_the_day(
    stack: LocalStack, sim: str, admin: Any
) -> None:
    hold = 12
    body = {
        "staff": [{"userid": "zhangsan", "daily_cap": 3}, {"userid": "lisi", "daily_cap": 3}],
        "hold_s": hold,
    }
    assert put_code(admin, "lim6", body)[0] == 200
    while time.time() % hold > 2:  # start at the beginning of a hold window
        time.sleep(0.2)
    assert [scan(stack, "lim6", "default")[0] for _ in range(6)] == [302] * 6
    assert scan(stack, "lim6", "default")[0] == 503  # every slot held, for now
    deadline = time.monotonic() + 4 * hold
    while scan(stack, "lim6", "default")[0] != 302:  # the reservations expire
        assert time.monotonic() < deadline, "the code stayed closed"
        time.sleep(0.5)


def test_unknown_contacts_cursors_and_the_staff_name_in_a_welcome(
    stack: LocalStack, sim: str, http: Any, admin: Any, dynamodb: Any
) -> None:
    for path in ("points", "tier", "orders", "timeline", "groups"):
        status, answer = admin("GET", f"/admin/contacts/wmNobodyAtAll/{path}", role="viewer")
        assert (status, answer["error"]) == (404, "contact_not_found"), path

    status, _ = admin(
        "PUT", "/admin/welcome-messages/default", {"text": "您好，我是{staff}"}, role="operator"
    )
    assert status == 200
    mine = [
        add_customer(http, sim, dynamodb, stack, userid="wangwu", name=f"页{n}") for n in range(3)
    ]
    welcomes = succeeded(http, sim, "externalcontact/send_welcome_msg")
    assert welcomes and all(w["body"]["text"]["content"] == "您好，我是王五" for w in welcomes)

    seen: list[str] = []
    cursor = None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        status, page = admin("GET", f"/admin/staff/wangwu/contacts{query}", role="viewer")
        assert status == 200
        seen += [row["external_userid"] for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # every page once, nobody twice (other tests add wangwu's customers too)
    assert len(seen) == len(set(seen)) and set(mine) <= set(seen)
    status, bad = admin("GET", "/admin/staff/wangwu/contacts?cursor=nope", role="viewer")
    assert (status, bad["error"]) == (400, "invalid_cursor")
