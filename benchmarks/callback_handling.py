"""Warm handling of an ``add_external_contact`` callback against its floor.

Measured: what the callback Lambda does before it answers WeCom — verify the signature,
decrypt, parse, compute the dedupe key and store the event with a conditional put
(``callbacks.service.receive``). Floor: the irreducible part — verify and decrypt the same
envelope with the product's crypto, and one conditional put of the plaintext with boto3.
Both run in this process against the real DynamoDB Local, interleaved (goal <= 2x).
"""

from __future__ import annotations

import secrets
import time
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
    return on_local_stack(lambda stack: [_measure(stack)])


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
