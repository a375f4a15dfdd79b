"""The simulator's own callback crypto against WeCom's official worked example (doc 91144)."""

from __future__ import annotations

import pytest

from wecom_simulator.callbacks import envelope, envelope_encrypt
from wecom_simulator.crypto import (
    CryptoError,
    ReceiverMismatch,
    SignatureMismatch,
    WeComCrypto,
    signature,
)

TOKEN = "QDG6eK"
KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
CORP = "wx5823bf96d3bd56c7"
POST_SIGNATURE = "477715d11cdb4164915debcba66cb864d751f3e6"
POST_TIMESTAMP = "1409659813"
POST_NONCE = "1372623149"
POST_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Qczc"
    "dCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLj"
    "vd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMn"
    "vw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k"
    "22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2Yoy"
    "yH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)
GET_SIGNATURE = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
GET_TIMESTAMP = "1409659589"
GET_NONCE = "263014780"
GET_ECHOSTR = (
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
)


@pytest.fixture
def crypto() -> WeComCrypto:
    return WeComCrypto(TOKEN, KEY, CORP)


def test_the_official_signature_matches() -> None:
    assert signature(TOKEN, POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT) == POST_SIGNATURE
    assert signature(TOKEN, GET_TIMESTAMP, GET_NONCE, GET_ECHOSTR) == GET_SIGNATURE


def test_the_official_message_decrypts_to_hello(crypto: WeComCrypto) -> None:
    xml = crypto.decrypt_signed(POST_SIGNATURE, POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT)
    assert "<Content><![CDATA[hello]]></Content>" in xml
    assert "<FromUserName><![CDATA[mycreate]]></FromUserName>" in xml
    assert "<MsgId>4561255354251345929</MsgId>" in xml
    assert "<AgentID>218</AgentID>" in xml


def test_the_official_echostr_decrypts(crypto: WeComCrypto) -> None:
    plain = crypto.decrypt_signed(GET_SIGNATURE, GET_TIMESTAMP, GET_NONCE, GET_ECHOSTR)
    assert plain == "1616140317555161061"


def test_encrypt_then_decrypt_round_trips_with_a_fresh_ciphertext(crypto: WeComCrypto) -> None:
    message = "<xml><Content><![CDATA[你好]]></Content></xml>"
    first, second = crypto.encrypt(message), crypto.encrypt(message)
    assert first != second
    assert crypto.decrypt(first) == crypto.decrypt(second) == message


def test_a_fixed_prefix_reproduces_the_official_ciphertext(crypto: WeComCrypto) -> None:
    import base64

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = base64.b64decode(KEY + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    prefix = (decryptor.update(base64.b64decode(POST_ENCRYPT)) + decryptor.finalize())[:16]
    xml = crypto.decrypt(POST_ENCRYPT)
    assert crypto.encrypt(xml, random16=prefix) == POST_ENCRYPT


def test_tampering_and_wrong_corps_are_refused(crypto: WeComCrypto) -> None:
    with pytest.raises(SignatureMismatch):
        crypto.decrypt_signed("0" * 40, POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT)
    with pytest.raises(ReceiverMismatch):
        WeComCrypto(TOKEN, KEY, "wwsomeoneelse").decrypt(POST_ENCRYPT)
    with pytest.raises(CryptoError):
        crypto.decrypt("not base64!")
    with pytest.raises(CryptoError):
        WeComCrypto(TOKEN, "short", CORP)


def test_wechatpy_reads_the_simulator_envelope(crypto: WeComCrypto) -> None:
    """An independent implementation decrypts what the simulator pushes."""
    wechatpy_crypto = pytest.importorskip("wechatpy.enterprise.crypto")
    xml = "<xml><ToUserName><![CDATA[x]]></ToUserName><Event><![CDATA[e]]></Event></xml>"
    encrypt = crypto.encrypt(xml)
    body = envelope(CORP, "218", encrypt)
    assert envelope_encrypt(body) == encrypt
    theirs = wechatpy_crypto.WeChatCrypto(TOKEN, KEY, CORP)
    sig = crypto.sign("1700000000", "42", encrypt)
    assert theirs.decrypt_message(body, sig, "1700000000", "42") == xml
