"""The local stack behaves like the cloud: health, the WeCom handshake, stored callbacks."""

from __future__ import annotations

import time
from typing import Any

from local_stack import LocalStack


def stored(dynamodb: Any, stack: LocalStack, xml: str) -> dict[str, Any] | None:
    """The inbox row of a pushed event (DynamoDB Local, read directly by its dedupe key)."""
    from chalicelib.wecom.inbound import parse_event

    answer = dynamodb.get_item(
        TableName=f"{stack.config.table_prefix}callback-events",
        Key={"pk": {"S": parse_event(xml).key}},
        ConsistentRead=True,
    )
    return answer.get("Item")


def test_health_reports_dynamodb_local_and_s3(stack: LocalStack, sim: str, http: Any) -> None:
    # ``sim``: the simulator reset, so no WeCom fault another test injected is still on
    status, body = http("GET", f"{stack.config.api_url}/health")
    assert status == 200
    assert body == {"ok": True}  # the detail is for admins
    from chalicelib.auth.tokens import mint

    token = mint("tester", "admin", key=stack.config.admin_jwt_secret)
    status, body = http(
        "GET", f"{stack.config.api_url}/admin/health", headers={"Authorization": f"Bearer {token}"}
    )
    assert status == 200, body["checks"]
    assert body["stage"] == "local" and body["ok"] is True
    assert body["checks"]["dynamodb"] == "ok" and body["checks"]["s3"] == "ok"
    assert body["checks"]["wecom_api"] == "ok"


def test_wecom_url_verification_succeeds_against_the_app(sim: str, http: Any) -> None:
    status, body = http("POST", f"{sim}/_sim/callbacks/verify_url", {})
    assert status == 200
    assert body["ok"] is True
    assert body["within_1s"] is True, body["latency_ms"]  # WeCom waits 1 s for the answer


def test_a_simulated_add_is_pushed_encrypted_and_stored(
    stack: LocalStack, sim: str, http: Any, dynamodb: Any
) -> None:
    status, added = http(
        "POST",
        f"{sim}/_sim/customers/add",
        {"userid": "zhangsan", "name": "Han Meimei", "state": "e2e-poster"},
    )
    assert status == 200
    assert added["delivery"]["status"] == 200
    row = stored(dynamodb, stack, added["xml"])
    assert row is not None
    assert row["kind"]["S"] == "change_external_contact/add_external_contact"
    assert "<State><![CDATA[e2e-poster]]></State>" in row["raw"]["S"]


def test_the_stored_event_is_processed_by_the_stream(
    stack: LocalStack, sim: str, http: Any, dynamodb: Any
) -> None:
    _, added = http("POST", f"{sim}/_sim/customers/add", {"userid": "lisi", "name": "Wei"})
    deadline = time.monotonic() + 60  # within a second when idle; a busy machine is slower
    row = stored(dynamodb, stack, added["xml"])
    while row is not None and row["status"]["S"] != "processed" and time.monotonic() < deadline:
        time.sleep(0.2)
        row = stored(dynamodb, stack, added["xml"])
    assert row is not None and row["status"]["S"] == "processed"


def test_a_redelivered_event_is_stored_once(
    stack: LocalStack, sim: str, http: Any, dynamodb: Any
) -> None:
    _, added = http("POST", f"{sim}/_sim/customers/add", {"userid": "wangwu", "name": "Lin"})
    first = stored(dynamodb, stack, added["xml"])
    for _ in range(2):  # WeCom's retries: the same event, encrypted afresh
        status, delivery = http("POST", f"{sim}/_sim/callbacks/push", {"xml": added["xml"]})
        assert status == 200 and delivery["status"] == 200
    again = stored(dynamodb, stack, added["xml"])
    assert first is not None and again is not None
    assert again["received_at"] == first["received_at"]


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
