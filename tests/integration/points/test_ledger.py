"""The points ledger over moto: concurrent redemptions, expiry oldest first, refunds after
expiry, admin redemption and adjustment by role, tasks, referrals, reconciliation."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib.auth.roles import Role
from chalicelib.points import service
from chalicelib.points.errors import InsufficientPoints
from chalicelib.points.models import EarningRules, RedeemIn
from tests.support import orders as send
from tests.support.admin import bearer
from tests.support.fake_wecom_api import FakeWeComApi, contact_event_xml, dispatch_again

JSON = {"Content-Type": "application/json"}
DAY = 86_400


def add_contact(wecom: FakeWeComApi, external_userid: str, state: str = "poster") -> None:
    now = int(time.time())
    wecom.follow(external_userid, "lisi", createtime=now, state=state)
    dispatch_again(
        contact_event_xml(
            "add_external_contact", external_userid, "lisi", create_time=now, state=state
        )
    )


def pay(client: Any, order_id: str, cents: int, contact: str) -> None:
    body = {
        "order_id": order_id,
        "event": "paid",
        "amount_cents": cents,
        "buyer": {"external_userid": contact},
    }
    raw, headers = send.generic(body)
    assert (
        client.http.post("/webhooks/orders/generic", body=raw, headers=headers).status_code == 200
    )


def refund(client: Any, order_id: str, refund_id: str, cents: int, amount: int) -> None:
    body = {
        "order_id": order_id,
        "event": "refunded",
        "amount_cents": amount,
        "refund_id": refund_id,
        "refund_cents": cents,
    }
    raw, headers = send.generic(body)
    assert (
        client.http.post("/webhooks/orders/generic", body=raw, headers=headers).status_code == 200
    )


def admin(client: Any, method: str, path: str, body: Any = None, role: Role = "operator") -> Any:
    call = getattr(client.http, method.lower())
    kwargs: dict[str, Any] = {"headers": JSON | bearer(role)}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    return call(path, **kwargs)


@pytest.mark.usefixtures("atomic_moto")
def test_100_concurrent_redemptions_never_drive_the_balance_negative(
    client: Any, wecom: FakeWeComApi
) -> None:
    service.credit("wmRich", "adjust#seed", "adjust", 500, int(time.time()), reason="seed")

    def redeem(n: int) -> bool:
        try:
            service.redeem("wmRich", RedeemIn(points=7, reason="coupon", request_id=f"r{n}"), "op")
            return True
        except InsufficientPoints:
            return False

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(redeem, range(100)))
    assert sum(results) == 500 // 7  # 71 redemptions fit, the other 29 are refused
    assert service.balance("wmRich") == 500 - 7 * 71
    check = service.reconcile("wmRich")
    assert check.consistent and check.ledger_sum == check.balance == 3
    assert check.entries == 1 + 71
    # A retried redemption (same request id) writes nothing new.
    again = (
        service.redeem("wmRich", RedeemIn(points=7, reason="coupon", request_id="r0"), "op")
        if results[0]
        else None
    )
    assert again is None or service.reconcile("wmRich").entries == 72


def test_admin_redeem_adjust_and_tasks_by_role(client: Any, wecom: FakeWeComApi) -> None:
    add_contact(wecom, "wmA")
    assert (
        admin(
            client, "PUT", "/admin/points/rules", {"tasks": {"group_join": 20}}, role="operator"
        ).status_code
        == 403
    )
    assert (
        admin(
            client, "PUT", "/admin/points/rules", {"tasks": {"group_join": 0}}, role="admin"
        ).status_code
        == 400
    )
    assert (
        admin(
            client, "PUT", "/admin/points/rules", {"tasks": {"group_join": 20}}, role="admin"
        ).status_code
        == 200
    )

    task = {"task": "group_join", "ref": "wrChat1"}
    assert (
        admin(client, "POST", "/admin/contacts/wmA/points/tasks", task, role="viewer").status_code
        == 403
    )
    for _ in range(3):
        assert admin(client, "POST", "/admin/contacts/wmA/points/tasks", task).status_code == 200
    unknown = admin(
        client, "POST", "/admin/contacts/wmA/points/tasks", {"task": "dance", "ref": "x"}
    )
    assert unknown.status_code == 400 and unknown.json_body["error"] == "unknown_task"

    adjust = {"delta": 5, "reason": "goodwill", "request_id": "adj-1"}
    entry = admin(client, "POST", "/admin/contacts/wmA/points/adjust", adjust).json_body
    assert (entry["delta"], entry["operator"], entry["reason"]) == (5, "tester", "goodwill")
    assert (
        admin(
            client, "POST", "/admin/contacts/wmA/points/adjust", {**adjust, "delta": 0}
        ).status_code
        == 400
    )

    redeem = {"points": 25, "reason": "mug", "request_id": "rd-1"}
    assert (
        admin(
            client, "POST", "/admin/contacts/wmA/points/redeem", redeem, role="viewer"
        ).status_code
        == 403
    )
    first = admin(client, "POST", "/admin/contacts/wmA/points/redeem", redeem)
    assert first.status_code == 200 and first.json_body["balance_after"] == 0
    assert (
        admin(client, "POST", "/admin/contacts/wmA/points/redeem", redeem).json_body
        == first.json_body
    )
    reused = admin(client, "POST", "/admin/contacts/wmA/points/redeem", {**redeem, "points": 1})
    assert reused.status_code == 409 and reused.json_body["error"] == "request_id_reused"
    broke = admin(
        client, "POST", "/admin/contacts/wmA/points/redeem", {**redeem, "request_id": "rd-2"}
    )
    assert broke.status_code == 409 and broke.json_body["error"] == "insufficient_points"

    account = admin(client, "GET", "/admin/contacts/wmA/points", role="viewer").json_body
    assert account["balance"] == 0
    assert [e["kind"] for e in account["entries"]] == ["redeem", "adjust", "task"]
    check = admin(client, "GET", "/admin/contacts/wmA/points/reconcile", role="viewer").json_body
    assert check == {
        "contact_id": "wmA",
        "balance": 0,
        "ledger_sum": 0,
        "entries": 3,
        "consistent": True,
    }


def test_points_expire_oldest_first_after_spending(client: Any, wecom: FakeWeComApi) -> None:
    now = int(time.time())
    service.put_rules(EarningRules.model_validate({"expiry_days": 30}), "admin")
    service.credit("wmE", "adjust#old", "adjust", 100, now - 40 * DAY)  # expired 10 days ago
    service.credit("wmE", "adjust#new", "adjust", 100, now - 10 * DAY)  # 20 days left
    service.redeem("wmE", RedeemIn(points=60, reason="gift", request_id="e1"), "op")
    run = service.expire_due(now)
    # The 60 spent came out of the oldest credit: 40 of it is left to expire, not 100.
    assert (run.lots, run.expired_points) == (1, 40)
    assert service.balance("wmE") == 100
    assert service.expire_due(now).lots == 0  # the job again: nothing left to do
    later = service.expire_due(now + 21 * DAY)
    assert later.expired_points == 100 and service.balance("wmE") == 0
    assert service.reconcile("wmE").consistent


def test_a_refund_after_expiry_never_drives_the_balance_negative(
    client: Any, wecom: FakeWeComApi
) -> None:
    add_contact(wecom, "wmX")
    service.put_rules(EarningRules.model_validate({"expiry_days": 30}), "admin")
    pay(client, "exp-1", 20000, "wmX")  # 200 points
    assert service.balance("wmX") == 200
    service.expire_due(int(time.time()) + 31 * DAY)
    assert service.balance("wmX") == 0
    refund(client, "exp-1", "r1", 10000, 20000)  # half refunded after the points expired
    refund(client, "exp-1", "r2", 10000, 20000)  # the rest
    account = service.account("wmX")
    assert account.balance == 0
    reversals = [e for e in account.entries if e.kind == "refund"]
    assert {(e.delta, e.uncollected) for e in reversals} == {(0, 100), (0, 200)}
    assert service.reconcile("wmX").consistent


def test_partial_refund_after_partial_spend_takes_back_what_the_balance_holds(
    client: Any, wecom: FakeWeComApi
) -> None:
    add_contact(wecom, "wmY")
    pay(client, "sp-1", 10000, "wmY")  # 100 points
    service.redeem("wmY", RedeemIn(points=80, reason="gift", request_id="y1"), "op")
    refund(client, "sp-1", "r1", 5000, 10000)  # half: 50 points due, 20 held
    refund(client, "sp-1", "r1", 5000, 10000)  # the provider's retry
    [reversal] = [e for e in service.account("wmY").entries if e.kind == "refund"]
    assert (reversal.delta, reversal.uncollected) == (-20, 30)
    assert service.balance("wmY") == 0 and service.reconcile("wmY").consistent


def test_referrer_earns_once_on_the_referred_contacts_first_order(
    client: Any, wecom: FakeWeComApi
) -> None:
    from chalicelib.livecodes import service as livecodes

    service.put_rules(EarningRules.model_validate({"referral_points": 50}), "admin")
    add_contact(wecom, "wmRef")
    response = admin(client, "PUT", "/admin/contacts/wmRef/referral-code", {})
    assert response.status_code == 200, response.body
    code = livecodes.referral_code_id("wmRef")
    add_contact(wecom, "wmFriend", state=f"lc:{code}:referral")
    assert service.balance("wmRef") == 0  # on the first order, not on the add
    pay(client, "ref-1", 3000, "wmFriend")
    pay(client, "ref-2", 3000, "wmFriend")
    pay(client, "ref-1", 3000, "wmFriend")
    referrer = service.account("wmRef")
    assert [(e.kind, e.delta, e.ref) for e in referrer.entries] == [("referral", 50, "wmFriend")]
    # Configured to reward the add itself: the next friend earns the referrer points at once.
    service.put_rules(
        EarningRules.model_validate({"referral_points": 50, "referral_on": "add"}), "admin"
    )
    add_contact(wecom, "wmFriend2", state=f"lc:{code}:referral")
    add_contact(wecom, "wmFriend2", state=f"lc:{code}:referral")  # WeCom's retry
    add_contact(wecom, "wmStranger")  # not through the code: nothing
    assert sorted(e.ref for e in service.account("wmRef").entries) == ["wmFriend", "wmFriend2"]
    assert service.balance("wmRef") == 100 and service.reconcile("wmRef").consistent
