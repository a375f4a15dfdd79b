"""The local stack behaves like the cloud: health, the WeCom handshake, stored callbacks."""

from __future__ import annotations

import time
from typing import Any

from local_stack import LocalStack


def events_for(dynamodb: Any, stack: LocalStack, external_userid: str) -> list[dict[str, Any]]:
    """Rows of the callback inbox mentioning a customer (DynamoDB Local, read directly)."""
    rows = dynamodb.query(
        TableName=f"{stack.config.table_prefix}callback-events",
        IndexName="by_status",
        KeyConditionExpression="pending_status = :p",
        ExpressionAttributeValues={":p": {"S": "pending"}},
    )["Items"]
    return [row for row in rows if external_userid in row["raw"]["S"]]


def test_health_reports_dynamodb_local_and_s3(stack: LocalStack, http: Any) -> None:
    status, body = http("GET", f"{stack.config.api_url}/health")
    assert status == 200
    assert body == {"stage": "local", "ok": True, "checks": {"dynamodb": "ok", "s3": "ok"}}


def test_wecom_url_verification_succeeds_against_the_app(sim: str, http: Any) -> None:
    status, body = http("POST", f"{sim}/_sim/callbacks/verify_url", {})
    assert status == 200
    assert body["ok"] is True


def test_a_simulated_add_is_pushed_encrypted_and_stored_once(
    stack: LocalStack, sim: str, http: Any, dynamodb: Any
) -> None:
    status, added = http(
        "POST",
        f"{sim}/_sim/customers/add",
        {"userid": "zhangsan", "name": "Han Meimei", "state": "e2e-poster"},
    )
    assert status == 200
    customer = added["external_userid"]
    rows = events_for(dynamodb, stack, customer)
    assert len(rows) == 1
    assert rows[0]["kind"]["S"] == "change_external_contact/add_external_contact"
    assert "<State><![CDATA[e2e-poster]]></State>" in rows[0]["raw"]["S"]


def test_a_redelivered_event_is_stored_once(
    stack: LocalStack, sim: str, http: Any, dynamodb: Any
) -> None:
    _, added = http("POST", f"{sim}/_sim/customers/add", {"userid": "lisi", "name": "Wei"})
    customer = added["external_userid"]
    _, deliveries = http("GET", f"{sim}/_sim/callbacks")
    xml = next(d["xml"] for d in reversed(deliveries) if customer in d.get("xml", ""))
    for _ in range(2):  # WeCom's retries: the same event, encrypted afresh
        status, _ = http("POST", f"{sim}/_sim/callbacks/push", {"xml": xml})
        assert status == 200
    assert len(events_for(dynamodb, stack, customer)) == 1


def test_a_forged_callback_is_refused_over_http(stack: LocalStack, http: Any) -> None:
    query = f"msg_signature={'0' * 40}&timestamp={int(time.time())}&nonce=abc"
    status, body = http(
        "POST",
        f"{stack.config.api_url}/wecom/callback?{query}",
        raw=b"<xml><Encrypt><![CDATA[AAAA]]></Encrypt></xml>",
        headers={"Content-Type": "text/xml"},
    )
    assert status == 401
    assert body["error"] == "invalid_signature"
