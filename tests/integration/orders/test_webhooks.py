"""Order webhooks through the Chalice app over moto: each provider's signature, replays,
out-of-order deliveries, the answers providers expect, matching orders to contacts."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from chalicelib import signals
from tests.support import orders as send
from tests.support.admin import bearer
from tests.support.fake_wecom_api import FakeWeComApi, contact_event_xml, dispatch_again

CONTACT = "wmBuyer1"


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every signal published, in order (the subscribers still run)."""
    seen: list[Any] = []
    original = signals.publish

    def record(signal: Any) -> None:
        seen.append(signal)
        original(signal)

    monkeypatch.setattr(signals, "publish", record)
    return seen


def post(client: Any, source: str, delivery: tuple[bytes, dict[str, str]]) -> Any:
    raw, headers = delivery
    return client.http.post(f"/webhooks/orders/{source}", body=raw, headers=headers)


def add_contact(wecom: FakeWeComApi, external_userid: str = CONTACT, **kwargs: Any) -> None:
    now = int(time.time())
    wecom.follow(external_userid, "zhangsan", createtime=now, state="lc:s01:poster", **kwargs)
    dispatch_again(contact_event_xml("add_external_contact", external_userid, create_time=now))


def order_of(client: Any, key: str) -> dict[str, Any]:
    response = client.http.get(f"/admin/orders/{key}", headers=bearer("viewer"))
    assert response.status_code == 200, response.body
    return dict(response.json_body)


def points_of(client: Any, contact: str = CONTACT) -> dict[str, Any]:
    response = client.http.get(f"/admin/contacts/{contact}/points", headers=bearer("viewer"))
    assert response.status_code == 200, response.body
    return dict(response.json_body)


def test_shopify_paid_then_partial_refund_replayed_three_times(
    client: Any, wecom: FakeWeComApi, published: list[Any]
) -> None:
    add_contact(wecom)
    paid = send.shopify(
        "orders/paid",
        send.shopify_order(
            1001, "128.50", note_attributes=[{"name": "external_userid", "value": CONTACT}]
        ),
    )
    refund = send.shopify("refunds/create", send.shopify_refund(1001, 9001, "28.50"))
    for _ in range(3):
        for delivery in (paid, refund):
            answer = post(client, "shopify", delivery)
            assert answer.status_code == 200 and answer.json_body == {}

    order = order_of(client, "shopify:1001")
    assert (order["status"], order["amount_cents"], order["refunded_cents"]) == (
        "paid",
        12850,
        2850,
    )
    assert order["contact_id"] == CONTACT and order["first_order"] is True
    account = points_of(client)
    kinds = sorted((e["kind"], e["delta"]) for e in account["entries"])
    # 128 points earned (1 per yuan, rounded down), 28 reversed: 128 * 2850 // 12850.
    assert kinds == [("earn", 128), ("refund", -28)]
    assert account["balance"] == 100

    changes = [s for s in published if isinstance(s, signals.OrderChanged)]
    assert {s.effect_id for s in changes} == {
        f"order#shopify:1001#paid#0#{CONTACT}",
        f"order#shopify:1001#paid#2850#{CONTACT}",
    }
    assert (changes[0].status, changes[0].previous_status) == ("paid", None)
    last = changes[-1]
    assert (last.status, last.previous_status, last.amount_cents, last.refunded_cents) == (
        "paid",
        "paid",  # only the refunds grew
        12850,
        2850,
    )
    assert (last.first_order, last.channel, last.code) == (True, "poster", "s01")
    assert last.ordered_at == 1795140000  # 2026-11-20T10:00:00+08:00, not the delivery time
    points = [s for s in published if isinstance(s, signals.PointsChanged)]
    assert {(s.delta, s.reason) for s in points} == {(128, "earn"), (-28, "refund")}


@pytest.mark.parametrize(
    "order",
    [
        ("refund", "completed", "paid"),
        ("completed", "paid", "refund"),
        ("paid", "refund", "completed"),
    ],
)
def test_out_of_order_deliveries_converge(
    client: Any, wecom: FakeWeComApi, order: tuple[str, ...]
) -> None:
    add_contact(wecom)
    body = {"order_id": "g-1", "amount_cents": 10000, "buyer": {"external_userid": CONTACT}}
    deliveries = {
        "paid": {**body, "event": "paid"},
        "completed": {**body, "event": "completed"},
        "refund": {**body, "event": "refunded", "refund_id": "r1", "refund_cents": 10000},
    }
    for name in order:
        assert post(client, "generic", send.generic(deliveries[name])).status_code == 200
    for name in (*reversed(order), *order):  # each twice more, the other way round first
        assert post(client, "generic", send.generic(deliveries[name])).status_code == 200
    found = order_of(client, "generic:g-1")
    assert (found["status"], found["refunded_cents"]) == ("refunded", 10000)
    account = points_of(client)
    assert account["balance"] == 0
    assert sorted(e["delta"] for e in account["entries"]) == [-100, 100]


def test_youzan_push_is_verified_answered_and_applied(client: Any, wecom: FakeWeComApi) -> None:
    add_contact(wecom)
    paid = send.youzan(
        "TRADE_ORDER_STATE",
        {
            "tid": "E2026",
            "status": "TRADE_PAID",
            "payment": "59.90",
            "created": "2026-11-20 10:00:00",
            "external_userid": CONTACT,
        },
    )
    for _ in range(3):
        answer = post(client, "youzan", paid)
        assert answer.status_code == 200 and answer.json_body == {"code": 0, "msg": "success"}
    refund = send.youzan(
        "TRADE_REFUND_SUCCESS", {"tid": "E2026", "refund_id": "RF1", "refunded_fee": "59.90"}
    )
    for _ in range(3):
        assert post(client, "youzan", refund).status_code == 200
    found = order_of(client, "youzan:E2026")
    assert (found["status"], found["amount_cents"], found["refunded_cents"]) == (
        "refunded",
        5990,
        5990,
    )
    assert points_of(client)["balance"] == 0


@pytest.mark.parametrize("source", ["shopify", "youzan", "generic"])
def test_wrong_secret_and_tampered_body_are_refused_with_401(
    client: Any, wecom: FakeWeComApi, source: str
) -> None:
    if source == "shopify":
        good = send.shopify("orders/paid", send.shopify_order(7, "1.00"))
        wrong = send.shopify("orders/paid", send.shopify_order(7, "1.00"), secret="not-the-secret")
    elif source == "youzan":
        message = {"tid": "T7", "status": "TRADE_PAID", "payment": "1.00"}
        good = send.youzan("TRADE_ORDER_STATE", message)
        wrong = send.youzan("TRADE_ORDER_STATE", message, secret="not-the-secret")
    else:
        body = {"order_id": "g7", "event": "paid", "amount_cents": 100}
        good = send.generic(body)
        wrong = send.generic(body, secret="not-the-secret")
    raw, headers = good
    tampered = (
        raw.replace(b"1", b"9", 1) if source != "youzan" else raw.replace(b"10001", b"10002"),
        headers,
    )
    if source == "youzan":  # the kdt_id is not signed; tamper with the signed msg instead
        tampered = (raw.replace(b"T7", b"T8"), headers)
    for delivery in (wrong, tampered):
        answer = post(client, source, delivery)
        assert answer.status_code == 401, answer.body
        assert answer.json_body["error"] in ("bad_signature", "stale")
    assert post(client, source, good).status_code == 200


def test_generic_timestamp_outside_tolerance_is_refused(client: Any, wecom: FakeWeComApi) -> None:
    body = {"order_id": "g8", "event": "paid", "amount_cents": 100}
    stale = send.generic(body, timestamp=int(time.time()) - 301)
    answer = post(client, "generic", stale)
    assert answer.status_code == 401 and answer.json_body["error"] == "stale"
    raw, _ = send.generic(body)
    missing = post(client, "generic", (raw, {"Content-Type": "application/json"}))
    assert missing.status_code == 401


@pytest.mark.parametrize(
    ("source", "delivery", "reason"),
    [
        ("generic", lambda: send.generic({"order_id": "x", "event": "shipped"}), "event"),
        ("generic", lambda: send.generic({"order_id": "x", "event": "refunded"}), "refund_id"),
        (
            "shopify",
            lambda: send.shopify("orders/paid", {"id": 5, "total_price": "1.234"}),
            "total_price",
        ),
        ("shopify", lambda: send.shopify("refunds/create", {"id": 5}), "order_id"),
        ("youzan", lambda: send.youzan("TRADE_ORDER_STATE", {"status": "TRADE_PAID"}), "tid"),
    ],
)
def test_malformed_bodies_are_400_with_a_reason(
    client: Any, wecom: FakeWeComApi, source: str, delivery: Any, reason: str
) -> None:
    answer = post(client, source, delivery())
    assert answer.status_code == 400, answer.body
    assert reason in answer.json_body["message"]


def test_garbage_is_400_or_401_never_500(client: Any, wecom: FakeWeComApi) -> None:
    for source in ("shopify", "youzan", "generic"):
        for raw in (b"", b"not json", b"[]", b"\xff\xfe", b'{"msg": 1}'):
            answer = client.http.post(
                f"/webhooks/orders/{source}", body=raw, headers={"Content-Type": "application/json"}
            )
            assert answer.status_code in (400, 401), (source, raw, answer.status_code)
    assert (
        client.http.post(
            "/webhooks/orders/ebay", body=b"{}", headers={"Content-Type": "application/json"}
        ).status_code
        == 404
    )
    raw, headers = send.generic(
        {"order_id": "big", "event": "paid", "amount_cents": 1, "pad": "x" * 300_000}
    )
    assert post(client, "generic", (raw, headers)).status_code == 413


def test_an_unmatched_order_is_kept_and_matched_when_the_contact_appears(
    client: Any, wecom: FakeWeComApi, published: list[Any]
) -> None:
    from chalicelib.contacts.phones import phone_hash

    body = {
        "order_id": "late-1",
        "event": "paid",
        "amount_cents": 5000,
        "buyer": {"phone": "+86 138-0013-8000"},
    }
    assert post(client, "generic", send.generic(body)).status_code == 200
    assert order_of(client, "generic:late-1")["contact_id"] is None
    unmatched = [s for s in published if isinstance(s, signals.OrderChanged)]
    assert unmatched and unmatched[-1].contact_id is None

    # The customer adds a staff member, whose remark carries the same number.
    add_contact(wecom, "wmLate", remark_mobiles=["13800138000"])
    found = order_of(client, "generic:late-1")
    assert found["contact_id"] == "wmLate" and found["first_order"] is True
    assert points_of(client, "wmLate")["balance"] == 50
    assert str(phone_hash("13800138000")) not in json.dumps(found)
    from chalicelib.orders import store

    model = store.DeliveryItem.bound()
    [delivery] = list(model.query("order#generic:late-1", model.sk.startswith("delivery#")))
    assert "138" not in delivery.body and "<redacted>" in delivery.body  # stored, no phone
    matched = [s for s in published if isinstance(s, signals.OrderChanged)][-1]
    assert (matched.contact_id, matched.status, matched.first_order) == ("wmLate", "paid", True)
    # The add again (WeCom's retry): nothing new.
    add_contact(wecom, "wmLate", remark_mobiles=["13800138000"])
    assert len(points_of(client, "wmLate")["entries"]) == 1


def test_matching_prefers_external_userid_then_unionid(client: Any, wecom: FakeWeComApi) -> None:
    wecom.customer("wmUnion", unionid="oUNION1")
    add_contact(wecom, "wmUnion")
    add_contact(wecom, "wmOther")
    body = {
        "order_id": "u-1",
        "event": "paid",
        "amount_cents": 100,
        "buyer": {"unionid": "oUNION1"},
    }
    post(client, "generic", send.generic(body))
    assert order_of(client, "generic:u-1")["contact_id"] == "wmUnion"
    both = {
        "order_id": "u-2",
        "event": "paid",
        "amount_cents": 100,
        "buyer": {"unionid": "oUNION1", "external_userid": "wmOther"},
    }
    post(client, "generic", send.generic(both))
    assert order_of(client, "generic:u-2")["contact_id"] == "wmOther"
    listed = client.http.get("/admin/contacts/wmUnion/orders", headers=bearer("viewer")).json_body
    assert [o["order_key"] for o in listed["items"]] == ["generic:u-1"]
    assert client.http.get("/admin/contacts/wmUnion/orders").status_code == 401


def test_a_failure_after_storing_answers_503_and_the_retry_finishes_the_job(
    client: Any, wecom: FakeWeComApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.orders import store
    from chalicelib.points import service as points

    add_contact(wecom)
    settle = points.settle_order
    monkeypatch.setattr(points, "settle_order", lambda order, at: 1 / 0)
    body = {
        "order_id": "f-1",
        "event": "paid",
        "amount_cents": 4200,
        "buyer": {"external_userid": CONTACT},
    }
    delivery = send.generic(body)
    failed = post(client, "generic", delivery)
    assert failed.status_code == 503 and failed.json_body["error"] == "order_busy"
    assert store.get_order("generic:f-1") is not None  # stored before acting
    monkeypatch.setattr(points, "settle_order", settle)
    assert post(client, "generic", delivery).status_code == 200
    assert [e["delta"] for e in points_of(client)["entries"]] == [42]


@pytest.mark.parametrize("refund_first", [False, True], ids=["paid-first", "refund-first"])
def test_a_refund_larger_than_its_order_is_capped_and_the_excess_kept_as_rejected(
    client: Any, wecom: FakeWeComApi, published: list[Any], refund_first: bool
) -> None:
    add_contact(wecom)
    body = {"order_id": "g-big", "amount_cents": 1000, "buyer": {"external_userid": CONTACT}}
    paid = send.generic({**body, "event": "paid"})
    huge = send.generic(
        {**body, "event": "refunded", "refund_id": "r-huge", "refund_cents": 10**12}
    )
    for delivery in (huge, paid) if refund_first else (paid, huge):
        assert post(client, "generic", delivery).status_code == 200
    assert post(client, "generic", huge).status_code == 200  # a retry changes nothing

    found = order_of(client, "generic:g-big")
    assert (found["status"], found["amount_cents"], found["refunded_cents"]) == (
        "refunded",
        1000,
        1000,
    )
    assert found["rejected_refunds"] == {next(iter(found["rejected_refunds"])): 10**12 - 1000}
    changes = [s for s in published if isinstance(s, signals.OrderChanged)]
    assert max(s.refunded_cents for s in changes if s.amount_cents) <= 1000
    assert changes[-1].refunded_cents == 1000
    account = points_of(client)
    assert account["balance"] == 0
    assert sorted(e["delta"] for e in account["entries"]) == [-10, 10]


def test_a_second_refund_takes_only_what_the_first_left(client: Any, wecom: FakeWeComApi) -> None:
    add_contact(wecom)
    body = {"order_id": "g-two", "amount_cents": 1000, "buyer": {"external_userid": CONTACT}}
    assert post(client, "generic", send.generic({**body, "event": "paid"})).status_code == 200
    for refund_id, cents in (("r1", 600), ("r2", 600)):
        delivery = send.generic(
            {**body, "event": "refunded", "refund_id": refund_id, "refund_cents": cents}
        )
        assert post(client, "generic", delivery).status_code == 200
    found = order_of(client, "generic:g-two")
    assert (found["status"], found["refunded_cents"]) == ("refunded", 1000)
    assert list(found["rejected_refunds"].values()) == [200]


def test_a_stored_delivery_is_redacted_keeps_its_facts_and_expires(
    client: Any, wecom: FakeWeComApi
) -> None:
    from chalicelib.orders import store

    add_contact(wecom)
    body = {
        "order_id": "g-note",
        "event": "paid",
        "amount_cents": 2000,
        "buyer": {"external_userid": CONTACT},
        "note": "call me on 139 0013 9000, Li Lei, li.lei@example.com, 南京西路 1266 号",
        "shipping": {"name": "李雷", "address": "南京西路 1266 号", "email": "li@example.com"},
    }
    before = int(time.time())
    assert post(client, "generic", send.generic(body)).status_code == 200
    model = store.DeliveryItem.bound()
    [delivery] = list(model.query("order#generic:g-note", model.sk.startswith("delivery#")))
    for personal in ("139 0013 9000", "Li Lei", "li.lei@", "李雷", "南京西路"):
        assert personal not in delivery.body, personal
    assert delivery.fact["amount_cents"] == 2000 and delivery.fact["event"] == "paid"
    assert delivery.fact["buyer"]["external_userid"] == CONTACT
    expires = int(delivery.expires_at.timestamp())
    assert before + 30 * 86_400 <= expires <= int(time.time()) + 30 * 86_400
    assert order_of(client, "generic:g-note")["amount_cents"] == 2000


@pytest.mark.parametrize("where", ["a subscriber", "the commit"])
def test_a_failure_before_the_read_models_commit_applies_none_and_the_retry_all_once(
    client: Any, wecom: FakeWeComApi, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    from benchmarks.requests import counting
    from chalicelib.core.errors import DependencyUnavailable
    from chalicelib.core.settings import get_settings
    from chalicelib.directory import handlers as directory
    from chalicelib.orders import store
    from chalicelib.reports import store as reports
    from chalicelib.reports.aggregates import local_day
    from chalicelib.screening import store as screening
    from chalicelib.storage import staged

    add_contact(wecom)
    failing = {"on": True}
    if where == "a subscriber":  # the last one heard: everything else kept by then
        heard = directory.on_points_changed

        def flaky_subscriber(signal: Any) -> None:
            if failing["on"]:
                raise RuntimeError("directory down")
            heard(signal)

        monkeypatch.setattr(directory, "on_points_changed", flaky_subscriber)
        monkeypatch.setattr(signals, "_resolved", {})
    else:
        real = staged.send

        def flaky_send(writes: Any) -> Any:
            if failing["on"] and len(writes) > 1:
                raise DependencyUnavailable("the transaction did not answer")
            return real(writes)

        monkeypatch.setattr(staged, "send", flaky_send)
    body = {
        "order_id": "k-1",
        "event": "paid",
        "amount_cents": 4200,
        "buyer": {"external_userid": CONTACT},
    }
    delivery = send.generic(body)
    failed = post(client, "generic", delivery)
    assert failed.status_code == 503  # order_busy, or unavailable when DynamoDB did not answer
    assert failed.json_body["error"] == ("order_busy" if where == "a subscriber" else "unavailable")
    order = store.get_order("generic:k-1")
    assert order is not None  # stored, and the order durable, before acting
    day = local_day(order.ordered_at, get_settings().timezone)
    assert "total" not in reports.day_rows(day)  # no read model moved
    assert screening.rfm_item(CONTACT) is None
    assert [e["delta"] for e in points_of(client)["entries"]] == [42]  # written before: kept

    failing["on"] = False
    assert post(client, "generic", delivery).status_code == 200  # the provider's retry
    assert reports.day_rows(day)["total"]["orders"] == 1
    rfm = screening.rfm_item(CONTACT)
    assert rfm is not None and (rfm.orders, rfm.spend_cents) == (1, 4200)
    assert [e["delta"] for e in points_of(client)["entries"]] == [42]
    with counting() as again:
        assert post(client, "generic", delivery).status_code == 200
    assert again.requests == 1  # applied in full: answered from the delivery record
    assert reports.day_rows(day)["total"]["orders"] == 1


def test_deliveries_of_one_order_in_any_order_and_again_count_each_effect_once(
    client: Any, wecom: FakeWeComApi
) -> None:
    from chalicelib.core.settings import get_settings
    from chalicelib.orders import store as orders
    from chalicelib.reports import store as reports
    from chalicelib.reports.aggregates import local_day
    from chalicelib.screening import store as screening

    add_contact(wecom)
    buyer = {"external_userid": CONTACT}
    paid = {"order_id": "c-1", "event": "paid", "amount_cents": 10_000, "buyer": buyer}
    refund = {
        "order_id": "c-1",
        "event": "refunded",
        "amount_cents": 10_000,
        "refund_id": "r-1",
        "refund_cents": 2_500,
        "buyer": buyer,
    }
    for body in (refund, paid, refund, paid, paid, refund):  # late, early, again
        assert post(client, "generic", send.generic(body)).status_code == 200
    order = orders.get_order("generic:c-1")
    assert order is not None and order_of(client, "generic:c-1")["refunded_cents"] == 2_500
    day = local_day(order.ordered_at, get_settings().timezone)
    total = reports.day_rows(day)["total"]
    assert (total["orders"], total["gmv_cents"]) == (1, 10_000)
    changed = local_day(order.updated_at, get_settings().timezone)  # refunds: the change's day
    assert reports.day_rows(changed)["total"]["refunded_cents"] == 2_500
    rfm = screening.rfm_item(CONTACT)
    assert rfm is not None and (rfm.orders, rfm.spend_cents) == (1, 7_500)
    assert sorted(e["delta"] for e in points_of(client)["entries"]) == [-25, 100]
