"""Callback crypto against WeCom's official worked example (doc 91144) and hostile input."""

from __future__ import annotations

import base64
import time

import pytest
from defusedxml.ElementTree import fromstring

from chalicelib.wecom.crypto import (
    CallbackCrypto,
    InvalidSignature,
    MalformedCallback,
    StaleTimestamp,
    WrongReceiver,
    sign,
)

# doc 91144, verbatim
EX_TOKEN = "QDG6eK"
EX_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
EX_CORP = "wx5823bf96d3bd56c7"
EX_POST_SIGNATURE = "477715d11cdb4164915debcba66cb864d751f3e6"
EX_POST_TIMESTAMP = "1409659813"
EX_POST_NONCE = "1372623149"
EX_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Qczc"
    "dCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLj"
    "vd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMn"
    "vw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k"
    "22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2Yoy"
    "yH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)
EX_GET_SIGNATURE = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
EX_GET_TIMESTAMP = "1409659589"
EX_GET_NONCE = "263014780"
EX_ECHOSTR = (
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
)


def example_crypto(corp_id: str = EX_CORP) -> CallbackCrypto:
    # The example dates from 2014: the replay window is switched off for it.
    return CallbackCrypto(EX_TOKEN, EX_KEY, corp_id, max_skew_s=None)


def envelope(encrypted: str) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[{EX_CORP}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
    ).encode()


def test_official_example_signature_matches() -> None:
    assert sign(EX_TOKEN, EX_POST_TIMESTAMP, EX_POST_NONCE, EX_ENCRYPT) == EX_POST_SIGNATURE


def test_official_example_post_decrypts_to_the_hello_message() -> None:
    xml = example_crypto().decrypt_envelope(
        EX_POST_SIGNATURE, EX_POST_TIMESTAMP, EX_POST_NONCE, envelope(EX_ENCRYPT)
    )
    message = fromstring(xml)
    assert message.findtext("MsgType") == "text"
    assert message.findtext("Content") == "hello"
    assert message.findtext("FromUserName") == "mycreate"
    assert message.findtext("MsgId") == "4561255354251345929"
    assert message.findtext("AgentID") == "218"


def test_official_example_url_verification_answers_the_plaintext() -> None:
    plaintext = example_crypto().verify_url(
        EX_GET_SIGNATURE, EX_GET_TIMESTAMP, EX_GET_NONCE, EX_ECHOSTR
    )
    assert plaintext == "1616140317555161061"


def test_a_tampered_signature_is_refused() -> None:
    forged = "0" + EX_POST_SIGNATURE[1:]
    with pytest.raises(InvalidSignature):
        example_crypto().decrypt_envelope(
            forged, EX_POST_TIMESTAMP, EX_POST_NONCE, envelope(EX_ENCRYPT)
        )


def test_a_message_for_another_corp_is_refused() -> None:
    with pytest.raises(WrongReceiver):
        example_crypto("ww-another-corp").decrypt_envelope(
            EX_POST_SIGNATURE, EX_POST_TIMESTAMP, EX_POST_NONCE, envelope(EX_ENCRYPT)
        )


def test_a_stale_timestamp_is_refused_even_with_a_good_signature() -> None:
    crypto = CallbackCrypto(EX_TOKEN, EX_KEY, EX_CORP, max_skew_s=300)
    with pytest.raises(StaleTimestamp):
        crypto.decrypt_envelope(
            EX_POST_SIGNATURE, EX_POST_TIMESTAMP, EX_POST_NONCE, envelope(EX_ENCRYPT)
        )


def test_round_trip_with_a_fresh_timestamp() -> None:
    crypto = CallbackCrypto(EX_TOKEN, EX_KEY, EX_CORP)
    timestamp = str(int(time.time()))
    encrypted, signature = crypto.encrypt("<xml><MsgType>event</MsgType></xml>", "n0nce", timestamp)
    assert crypto.decrypt_envelope(signature, timestamp, "n0nce", envelope(encrypted)) == (
        "<xml><MsgType>event</MsgType></xml>"
    )


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml",
        b"<xml><ToUserName>x</ToUserName></xml>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<xml><Encrypt>&e;</Encrypt></xml>",
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<xml><Encrypt>&b;</Encrypt></xml>",
        b"<xml><Encrypt>" + b"A" * 70_000 + b"</Encrypt></xml>",
    ],
    ids=["empty", "not-xml", "no-encrypt", "xxe", "entity-expansion", "oversized"],
)
def test_hostile_or_malformed_envelopes_are_refused_as_malformed(body: bytes) -> None:
    with pytest.raises(MalformedCallback):
        example_crypto().decrypt_envelope(EX_POST_SIGNATURE, EX_POST_TIMESTAMP, EX_POST_NONCE, body)


@pytest.mark.parametrize("encrypted", ["%%%not-base64", "QUJD", "A" * 64])
def test_a_signed_payload_that_does_not_decrypt_is_malformed(encrypted: str) -> None:
    signature = sign(EX_TOKEN, EX_POST_TIMESTAMP, EX_POST_NONCE, encrypted)
    with pytest.raises(MalformedCallback):
        example_crypto().decrypt_envelope(
            signature, EX_POST_TIMESTAMP, EX_POST_NONCE, envelope(encrypted)
        )


def test_an_aes_key_of_the_wrong_length_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="43"):
        CallbackCrypto(EX_TOKEN, EX_KEY[:-1], EX_CORP)


@pytest.mark.parametrize(
    "message",
    [
        "",
        "a",
        "x" * 31,
        "x" * 32,
        "x" * 33,
        "<xml><Content><![CDATA[你好，欢迎]]></Content></xml>" * 9,
    ],
    ids=["empty", "one", "block-1", "block", "block+1", "cjk"],
)
def test_envelopes_are_the_layout_wechatpy_writes_and_reads(message: str) -> None:
    """Ours and wechatpy's PrpCrypto open each other's envelopes, at every padding length."""
    from wechatpy.enterprise.crypto import PrpCrypto

    crypto = example_crypto()
    key = base64.b64decode(EX_KEY + "=")
    ours, signature = crypto.encrypt(message, EX_POST_NONCE, EX_POST_TIMESTAMP)
    assert PrpCrypto(key).decrypt(ours, EX_CORP) == message
    assert signature == sign(EX_TOKEN, EX_POST_TIMESTAMP, EX_POST_NONCE, ours)
    theirs = PrpCrypto(key).encrypt(message, EX_CORP).decode()
    assert (
        crypto.verify_url(
            sign(EX_TOKEN, EX_POST_TIMESTAMP, EX_POST_NONCE, theirs),
            EX_POST_TIMESTAMP,
            EX_POST_NONCE,
            theirs,
        )
        == message
    )


def test_an_envelope_for_another_corp_is_refused_as_wrong_receiver() -> None:
    ours, _ = example_crypto("wwsomeoneelse").encrypt("<xml/>", EX_POST_NONCE, EX_POST_TIMESTAMP)
    signature = sign(EX_TOKEN, EX_POST_TIMESTAMP, EX_POST_NONCE, ours)
    with pytest.raises(WrongReceiver):
        example_crypto().verify_url(signature, EX_POST_TIMESTAMP, EX_POST_NONCE, ours)
