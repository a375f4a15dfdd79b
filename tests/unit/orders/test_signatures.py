"""Each provider's documented signature scheme, with wrong secrets and tampered bodies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import quote

import pytest

from chalicelib.orders import signatures
from chalicelib.orders.errors import BadSignature

BODY = b'{"id":820982911946154508,"total_price":"199.00"}'


def test_shopify_is_base64_hmac_sha256_of_the_raw_body() -> None:
    expected = base64.b64encode(hmac.new(b"s3cret", BODY, hashlib.sha256).digest()).decode()
    assert signatures.shopify_signature("s3cret", BODY) == expected
    signatures.verify_shopify("s3cret", BODY, expected)
    for secret, body, header in (
        ("other", BODY, expected),  # wrong secret
        ("s3cret", BODY.replace(b"199", b"1"), expected),  # tampered body
        ("s3cret", BODY, None),  # no header
        ("s3cret", BODY, expected.lower()),  # base64 is case-sensitive
    ):
        with pytest.raises(BadSignature):
            signatures.verify_shopify(secret, body, header)


def test_youzan_sign_is_md5_of_client_id_msg_and_secret() -> None:
    msg = quote(json.dumps({"tid": "E1", "status": "TRADE_PAID"}))
    sign = hashlib.md5(("cid" + msg + "sec").encode()).hexdigest()  # noqa: S324 - Youzan's scheme
    assert signatures.youzan_sign("cid", msg, "sec") == sign
    signatures.verify_youzan("sec", "cid", msg, sign)
    signatures.verify_youzan("sec", "cid", msg, sign.upper())  # hex in either case
    for secret, client_id, message, given in (
        ("wrong", "cid", msg, sign),
        ("sec", "cid", msg.replace("E1", "E2"), sign),
        ("sec", "other", msg, sign),
        ("sec", "cid", msg, ""),
    ):
        with pytest.raises(BadSignature):
            signatures.verify_youzan(secret, client_id, message, given)


def test_generic_is_hmac_over_timestamp_dot_body_within_the_tolerance() -> None:
    now = 1_800_000_000
    digest = hmac.new(b"k", b"1800000000." + BODY, hashlib.sha256).hexdigest()
    header = signatures.generic_header("k", BODY, now)
    assert header == f"t={now},v1={digest}"
    assert signatures.verify_generic("k", BODY, header, 300, now=now + 299) == now
    # A second v1 (key rotation) is accepted when either matches.
    rotated = f"t={now},v1={'0' * 64},v1={digest}"
    assert signatures.verify_generic("k", BODY, rotated, 300, now=now) == now
    for secret, body, given, at in (
        ("other", BODY, header, now),
        ("k", BODY + b" ", header, now),
        ("k", BODY, header, now + 301),
        ("k", BODY, header, now - 301),
        ("k", BODY, f"v1={digest}", now),
        ("k", BODY, f"t={now}", now),
        ("k", BODY, None, now),
    ):
        with pytest.raises(BadSignature):
            signatures.verify_generic(secret, body, given, 300, now=at)
