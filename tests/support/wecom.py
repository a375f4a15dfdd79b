"""Build WeCom callbacks the way WeCom sends them, for the integration tier."""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlencode

from chalicelib.wecom.crypto import CallbackCrypto
from tests.conftest import AES_KEY, CORP_ID, TOKEN


def wecom_crypto(corp_id: str = CORP_ID, token: str = TOKEN) -> CallbackCrypto:
    return CallbackCrypto(token, AES_KEY, corp_id)


def signed_post(
    xml: str, *, timestamp: int | None = None, crypto: CallbackCrypto | None = None
) -> tuple[str, bytes]:
    """``(path with query, body)`` of an encrypted event push."""
    crypto = crypto or wecom_crypto()
    ts = str(timestamp if timestamp is not None else int(time.time()))
    nonce = secrets.token_hex(6)
    encrypted, signature = crypto.encrypt(xml, nonce, ts)
    body = (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>"
    ).encode()
    query = urlencode({"msg_signature": signature, "timestamp": ts, "nonce": nonce})
    return f"/wecom/callback?{query}", body


def add_contact_xml(
    external_userid: str = "wmCustomerA",
    userid: str = "zhangsan",
    state: str = "c1",
    create_time: int = 1_700_000_000,
) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[change_external_contact]]></Event>"
        "<ChangeType><![CDATA[add_external_contact]]></ChangeType>"
        f"<UserID><![CDATA[{userid}]]></UserID><ExternalUserID><![CDATA[{external_userid}]]></ExternalUserID>"
        f"<State><![CDATA[{state}]]></State><WelcomeCode><![CDATA[WC-{external_userid}]]></WelcomeCode></xml>"
    )
