"""Warm handling of an ``add_external_contact`` callback against its floor.

Measured: what the callback Lambda does before it answers WeCom — verify the signature,
decrypt, parse, compute the dedupe key and store the event with a conditional put
(``callbacks.service.receive``). Floor: the irreducible part — verify and decrypt the same
envelope with the product's crypto, and one conditional put of the plaintext with boto3.
Both run in this process against the real DynamoDB Local, interleaved (goal <= 2x).

And what one add costs end to end, stream processing included (:func:`run_cost`): the
DynamoDB requests and capacity units (:mod:`benchmarks.requests`) and the WeCom calls
(a fake WeCom client that counts them), per warm add, against a budget of 10 requests
and WeCom's floor of 3 calls; the add's own path is measured apart from the SOP,
orders, live codes and directory subscribers.
"""

from __future__ import annotations

import secrets
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks.harness import Figure, interleaved, on_local_stack

ROUNDS = 300


def _event_xml(corp_id: str, customer: str, now: int) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName><FromUserName><![CDATA[sys]]>"
        f"</FromUserName><CreateTime>{now}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[change_external_contact]]></Event>"
        "<ChangeType><![CDATA[add_external_contact]]></ChangeType>"
        "<UserID><![CDATA[zhangsan]]></UserID>"
        f"<ExternalUserID><![CDATA[{customer}]]></ExternalUserID>"
        "<State><![CDATA[c1:poster]]></State><WelcomeCode><![CDATA[WC123]]></WelcomeCode></xml>"
    )


def run() -> list[Figure]:
    return on_local_stack(lambda stack: [_measure(stack)]) + run_cost()


def _measure(stack: Any) -> Figure:
    import boto3

    from chalicelib.callbacks import service
    from chalicelib.core.observability import metrics

    crypto = service.crypto()
    table = f"{stack.config.table_prefix}callback-events"
    dynamodb = boto3.session.Session().client("dynamodb", endpoint_url=stack.config.dynamodb_url)

    def envelope() -> tuple[str, str, str, bytes]:
        ts, nonce = str(int(time.time())), secrets.token_hex(5)
        xml = _event_xml(crypto.corp_id, "wm" + secrets.token_hex(8), int(ts))
        encrypted, signature = crypto.encrypt(xml, nonce, ts)
        body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
        return signature, ts, nonce, body

    def handled() -> float:
        signed = envelope()
        started = time.perf_counter()
        service.receive(*signed)
        elapsed = (time.perf_counter() - started) * 1000
        metrics.clear_metrics()  # the middleware flushes once per invocation, untimed here
        return elapsed

    def floor() -> float:
        signed = envelope()
        started = time.perf_counter()
        plain = crypto.decrypt_envelope(*signed)
        dynamodb.put_item(
            TableName=table,
            Item={"pk": {"S": "floor#" + secrets.token_hex(8)}, "raw": {"S": plain}},
            ConditionExpression="attribute_not_exists(pk)",
        )
        return (time.perf_counter() - started) * 1000

    for _ in range(20):  # warm both paths: imports, connections, JIT-free caches
        handled()
        floor()
    measured, floor_ms = interleaved(handled, floor, ROUNDS)
    return Figure(
        "warm add_external_contact callback handling",
        measured,
        floor_ms,
        2.0,
        "decrypt + one conditional put",
        ROUNDS,
    )


# --- what one add costs end to end -----------------------------------------------------------

#: Adds measured after the first (which reads the kept configuration once).
ADDS = 20
#: The budget of one add end to end, and WeCom's floor: externalcontact/get,
#: send_welcome_msg, mark_tag.
REQUEST_BUDGET = 10
WECOM_FLOOR = 3
#: What one add cost before contacts wrote it in one transaction (same scenario).
BEFORE_RRU, BEFORE_WRU = 11.0, 42.0
#: Subscribers that are not the add's own path (contacts, welcome, auto-tags): their share
#: is measured apart.
OTHERS = ("chalicelib.sop.", "chalicelib.orders.", "chalicelib.livecodes.", "chalicelib.directory.")


def run_cost() -> list[Figure]:
    return on_local_stack(lambda stack: _cost())


def adding(fake: Any) -> Callable[..., tuple[Any, Any]]:
    """A function making one add end to end, as WeCom and the stream do: WeCom's event for a
    new customer of ``staff`` through ``state``, received as the callback Lambda does, then
    its stream record (with the stored item, as ``NEW_IMAGE`` carries it) processed as the
    stream Lambda does; it returns both tallies of DynamoDB requests."""
    from benchmarks.requests import counting
    from chalicelib.callbacks import processing, service
    from chalicelib.callbacks import store as inbox
    from tests.support.fake_wecom_api import contact_event_xml

    crypto = service.crypto()

    def one_add(staff: str = "zhangsan", state: str = "c1:store") -> tuple[Any, Any]:
        customer = "wm" + secrets.token_hex(8)
        now = int(time.time())
        fake.customer(customer, unionid="ou" + customer)
        fake.follow(customer, staff, createtime=now, state=state)
        xml = contact_event_xml(
            "add_external_contact",
            customer,
            staff,
            create_time=now,
            state=state,
            welcome_code="WC" + customer,
        )
        ts, nonce = str(now), secrets.token_hex(5)
        encrypted, signature = crypto.encrypt(xml, nonce, ts)
        body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
        with counting() as received:
            receipt = service.receive(signature, ts, nonce, body)
        # the stream's record carries the stored item (NEW_IMAGE): read here uncounted
        stored = inbox.CallbackEventModel._get_connection().get_item(
            receipt.key, consistent_read=True
        )["Item"]
        change = {"Keys": {"pk": {"S": receipt.key}}, "NewImage": stored}
        with counting() as processed:
            processing.process_stream([{"eventName": "INSERT", "dynamodb": change}])
        return received, processed

    return one_add


def configured(fake: Any) -> None:
    """The configuration an add meets: a tag catalogue, the store channel's welcome and its
    auto-tag rule."""
    from chalicelib.tags import service as tags
    from chalicelib.tags.models import TagRuleIn
    from chalicelib.welcome import service as welcome
    from chalicelib.welcome.models import WelcomeMessageIn

    fake.tag_groups = [{"group_id": "g1", "group_name": "L", "tag": [{"id": "etVIP"}]}]
    tags.sync_catalogue()
    welcome.put_message("store", WelcomeMessageIn(text="Hi {name}"), "bench")
    tags.put_rule("store-vip", TagRuleIn(tag_ids=["etVIP"], channel="store"))


@contextmanager
def configured_adds() -> Iterator[tuple[Any, Callable[..., tuple[Any, Any]]]]:
    """A fake WeCom (counting its calls) in use, the configuration an add meets stored,
    and the function making one add end to end (:func:`adding`); the real client and the
    kept configuration are back afterwards."""
    from chalicelib.storage.kept import forget_all
    from chalicelib.wecom.client import reset_client, use_client
    from tests.support.fake_wecom_api import FakeWeComApi

    fake = FakeWeComApi()
    use_client(fake)  # type: ignore[arg-type]
    forget_all()
    try:
        configured(fake)
        yield fake, adding(fake)
    finally:
        reset_client()
        forget_all()


def _cost() -> list[Figure]:
    from benchmarks.requests import Tally
    from chalicelib import signals
    from chalicelib.core.observability import metrics

    with configured_adds() as (fake, add):

        def one_add() -> tuple[int, float, float, int]:
            calls = len(fake.gets) + fake.welcome_attempts + len(fake.marks)
            received, processed = add()
            tally = Tally(calls=received.calls + processed.calls)
            metrics.clear_metrics()
            wecom = len(fake.gets) + fake.welcome_attempts + len(fake.marks) - calls
            return tally.requests, tally.read_units, tally.write_units, wecom

        one_add()  # a cold container reads the kept configuration once
        runs = [one_add() for _ in range(ADDS)]
        saved = dict(signals.SUBSCRIBERS)
        signals.SUBSCRIBERS.update(
            {
                kind: tuple(p for p in paths if not p.startswith(OTHERS))
                for kind, paths in saved.items()
            }
        )
        try:
            own = [one_add() for _ in range(ADDS)]
        finally:
            signals.SUBSCRIBERS.clear()
            signals.SUBSCRIBERS.update(saved)
    requests = statistics.median(r[0] for r in runs)
    own_requests = statistics.median(r[0] for r in own)
    rru = statistics.median(r[1] for r in runs)
    wru = statistics.median(r[2] for r in runs)
    wecom = statistics.median(r[3] for r in runs)
    name = "one add_external_contact end to end (receive, stream, welcome, tags, SOP, orders)"
    return [
        Figure(
            f"{name}: DynamoDB requests",
            requests,
            REQUEST_BUDGET,
            1.0,
            "budget",
            ADDS,
            unit="requests",
        ),
        Figure(
            "its own path (inbox, contact, welcome, auto-tags; the counters included): "
            "DynamoDB requests",
            own_requests,
            REQUEST_BUDGET,
            1.0,
            "budget",
            ADDS,
            unit="requests",
        ),
        Figure(f"{name}: read units", rru, BEFORE_RRU, 1.0, "before", ADDS, unit="RRU"),
        Figure(f"{name}: write units", wru, BEFORE_WRU, 1.0, "before", ADDS, unit="WRU"),
        Figure(f"{name}: WeCom calls", wecom, WECOM_FLOOR, 1.0, "floor", ADDS, unit="calls"),
    ]
