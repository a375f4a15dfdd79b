"""``/wecom/callback`` over the Chalice test client and moto."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from chalicelib.callbacks import store
from chalicelib.wecom.crypto import sign
from chalicelib.wecom.inbound import parse_event
from tests.conftest import TOKEN
from tests.support.wecom import add_contact_xml, signed_post, wecom_crypto

XML = {"Content-Type": "text/xml"}


def stored_kinds() -> list[str]:
    return [item.kind for item in store.due(time.time() + store.STREAM_LEASE_S + 60, 100)]


def test_url_verification_answers_the_decrypted_echostr_in_plain_text(client: Any) -> None:
    crypto = wecom_crypto()
    ts, nonce = str(int(time.time())), "n1"
    echostr, _ = crypto.encrypt("8316745239117", nonce, ts)
    query = urlencode(
        {
            "msg_signature": sign(TOKEN, ts, nonce, echostr),
            "timestamp": ts,
            "nonce": nonce,
            "echostr": echostr,
        }
    )
    response = client.http.get(f"/wecom/callback?{query}")
    assert response.status_code == 200
    assert response.body == b"8316745239117"
    assert response.headers["Content-Type"] == "text/plain"
    # The check is a plain GET: whatever Content-Type the request carries does not matter.
    for content_type in ("text/xml", "application/xml", "text/plain", "application/json"):
        again = client.http.get(f"/wecom/callback?{query}", headers={"Content-Type": content_type})
        assert (again.status_code, again.body) == (200, b"8316745239117"), content_type


def test_url_verification_with_a_wrong_signature_is_401(client: Any) -> None:
    query = urlencode(
        {
            "msg_signature": "0" * 40,
            "timestamp": str(int(time.time())),
            "nonce": "n",
            "echostr": "abc",
        }
    )
    response = client.http.get(f"/wecom/callback?{query}")
    assert response.status_code == 401
    assert response.json_body["error"] == "invalid_signature"


def test_an_event_is_stored_before_the_answer_and_answered_success(client: Any) -> None:
    path, body = signed_post(add_contact_xml())
    response = client.http.post(path, headers=XML, body=body)
    assert response.status_code == 200
    assert response.body == b"success"
    key = parse_event(add_contact_xml()).key
    item = store.get(key)
    assert item is not None
    assert item.kind == "change_external_contact/add_external_contact"
    assert item.raw == add_contact_xml()
    assert item.pending_status == store.pending_shard(key)
    assert item.pending_status.startswith(f"{store.PENDING}#")
    assert item.expires_at.timestamp() > time.time() + 29 * 86_400


def test_three_deliveries_of_one_event_store_one_row(client: Any) -> None:
    for _ in range(3):  # each delivery is encrypted afresh, as WeCom's retries are
        path, body = signed_post(add_contact_xml())
        assert client.http.post(path, headers=XML, body=body).status_code == 200
    assert stored_kinds() == ["change_external_contact/add_external_contact"]


def test_two_customers_in_the_same_second_are_two_rows(client: Any) -> None:
    for customer in ("wmA", "wmB"):
        path, body = signed_post(add_contact_xml(external_userid=customer))
        client.http.post(path, headers=XML, body=body)
    assert len(stored_kinds()) == 2


def test_a_bad_signature_is_401_and_stores_nothing(client: Any) -> None:
    path, body = signed_post(add_contact_xml())
    tampered = path.replace("msg_signature=", "msg_signature=0")
    response = client.http.post(tampered, headers=XML, body=body)
    assert response.status_code == 401
    assert stored_kinds() == []


def test_a_stale_timestamp_is_403(client: Any) -> None:
    path, body = signed_post(add_contact_xml(), timestamp=int(time.time()) - 3600)
    response = client.http.post(path, headers=XML, body=body)
    assert response.status_code == 403
    assert response.json_body["error"] == "stale_timestamp"


def test_an_event_for_another_corp_is_403(client: Any) -> None:
    path, body = signed_post(add_contact_xml(), crypto=wecom_crypto(corp_id="ww-other-corp"))
    response = client.http.post(path, headers=XML, body=body)
    assert response.status_code == 403
    assert response.json_body["error"] == "wrong_receiver"


def test_a_malformed_body_is_400_with_a_reason(client: Any) -> None:
    path, _ = signed_post(add_contact_xml())
    response = client.http.post(path, headers=XML, body=b"<xml><Encrypt>")
    assert response.status_code == 400
    assert "XML" in response.json_body["message"]


def test_a_signed_payload_that_is_not_an_event_is_400(client: Any) -> None:
    path, body = signed_post("<xml><Content>no MsgType</Content></xml>")
    response = client.http.post(path, headers=XML, body=body)
    assert response.status_code == 400
    assert response.json_body["error"] == "malformed_event"


def test_when_the_store_is_down_the_answer_is_503_so_wecom_retries(
    client: Any, monkeypatch: Any
) -> None:
    from pynamodb.exceptions import PutError

    def failing_save(*_: Any, **__: Any) -> None:
        raise PutError("simulated outage")

    monkeypatch.setattr(store.CallbackEventModel, "save", failing_save)
    path, body = signed_post(add_contact_xml())
    response = client.http.post(path, headers=XML, body=body)
    assert response.status_code == 503
    assert "Traceback" not in response.body.decode()
