"""``POST /wecom/callback`` under arbitrary input: the envelope as WeCom's servers would
never send it, and — encrypted and signed with the test keys, so it gets past every check —
arbitrary decrypted XML. Never a 5xx; XXE and entity expansion refused; oversized bodies
refused; anything accepted is stored once and turns into a typed event or a typed error.
"""

from __future__ import annotations

import time
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from chalicelib.core.errors import DomainError
from chalicelib.wecom.crypto import MAX_ENVELOPE_BYTES
from chalicelib.wecom.events import typed
from chalicelib.wecom.inbound import parse_event
from tests.conftest import CORP_ID
from tests.fuzz.conftest import Tally, fuzz_settings, mutations
from tests.support.wecom import add_contact_xml, signed_post, wecom_crypto

XML = {"Content-Type": "text/xml"}
#: Hypothesis examples per part, and byte-level variants tried per example; together at
#: least 10,000 inputs for the entry point.
ENVELOPES, ENVELOPE_VARIANTS = 1_200, 2
DECRYPTED_OVER_HTTP = 500
DECRYPTED_IN_SERVICE, DECRYPTED_VARIANTS = 1_100, 5

XXE = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<xml><Encrypt>&xxe;</Encrypt></xml>"
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    + "]><xml><Encrypt>&lol9;</Encrypt></xml>"
)
EXTERNAL_DTD = '<?xml version="1.0"?><!DOCTYPE xml SYSTEM "http://127.0.0.1:9/x.dtd"><xml/>'
ATTACKS = [XXE, LAUGHS, EXTERNAL_DTD]

FIELDS = [
    "ToUserName", "FromUserName", "CreateTime", "MsgType", "Event", "ChangeType", "UserID",
    "ExternalUserID", "State", "WelcomeCode", "Source", "FailReason", "ChatId",
    "UpdateDetail", "JoinScene", "QuitScene", "MemChangeCnt", "MemChangeList", "Item",
    "LastMemVer", "CurMemVer", "Id", "TagType", "StrategyId", "MsgId", "Content", "AgentID",
]  # fmt: skip
EVENTS = {
    "change_external_contact": [
        "add_external_contact", "edit_external_contact", "del_external_contact",
        "del_follow_user", "add_half_external_contact", "transfer_fail",
    ],
    "change_external_chat": ["create", "update", "dismiss"],
    "change_external_tag": ["create", "update", "delete", "shuffle"],
}  # fmt: skip

texts = st.text(max_size=60)
names = st.sampled_from(FIELDS) | st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-:",
    min_size=1,
    max_size=16,
)
values = (
    texts
    | st.integers(-(2**70), 2**70).map(str)
    | st.sampled_from(["", " ", "event", "sys", CORP_ID, "0", "-1", "1e9", "wmX", "zhangsan"])
)


def element(tag: str, body: str) -> str:
    return f"<{tag}>{body}</{tag}>"


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@st.composite
def fields(draw: st.DrawFn) -> str:
    """One child element: text, CDATA, a list of ``<Item>``s, or nested children."""
    tag = draw(names)
    shape = draw(st.sampled_from(["text", "cdata", "items", "nested"]))
    if shape == "items":
        items = draw(st.lists(values, max_size=5))
        return element(tag, "".join(element("Item", cdata(v)) for v in items))
    if shape == "nested":
        children = draw(st.lists(st.tuples(names, values), max_size=3))
        return element(tag, "".join(element(n, escape(v)) for n, v in children))
    value = draw(values)
    return element(tag, cdata(value) if shape == "cdata" else escape(value))


@st.composite
def events(draw: st.DrawFn) -> str:
    """Event-shaped XML: a known event and change type (mostly), arbitrary other fields."""
    event = draw(st.sampled_from([*EVENTS, "", "unknown"]))
    change = draw(st.sampled_from([*EVENTS.get(event, []), "", "whatever"]))
    head = [
        element("ToUserName", cdata(CORP_ID)),
        element("FromUserName", cdata("sys")),
        element("CreateTime", draw(st.sampled_from(["1700000000", "", "-5", "x", "9" * 30]))),
        element("MsgType", cdata(draw(st.sampled_from(["event", "text", "", "EVENT"])))),
        element("Event", cdata(event)),
        element("ChangeType", cdata(change)),
    ]
    keep = draw(st.lists(st.booleans(), min_size=len(head), max_size=len(head)))
    extra = draw(st.lists(fields(), max_size=8))
    parts = [part for part, kept in zip(head, keep, strict=True) if kept] + extra
    return "<xml>" + "".join(draw(st.permutations(parts))) + "</xml>"


def mutated(xml: str, cut: int, insert: str) -> str:
    at = cut % (len(xml) + 1)
    return xml[:at] + insert + xml[at:]


decrypted = st.one_of(
    events(),
    st.builds(mutated, st.just(add_contact_xml()), st.integers(0, 10_000), texts),
    st.lists(fields(), max_size=6).map(lambda parts: "<xml>" + "".join(parts) + "</xml>"),
    st.text(max_size=300),
    st.sampled_from(ATTACKS),
)


def check_parsed(xml: str) -> str:
    """What the receiving path makes of ``xml``: a typed event or a typed 400."""
    try:
        event = parse_event(xml)
    except DomainError as error:
        assert error.status == 400, error
        return "refused"
    try:
        typed(event)
    except DomainError as error:
        assert error.status == 400, error
        return "untyped"
    return "typed"


@pytest.mark.parametrize("attack", ATTACKS, ids=["xxe", "billion-laughs", "external-dtd"])
def test_entity_attacks_are_refused_in_the_envelope_and_inside_it(client: Any, attack: str) -> None:
    response = client.http.post("/wecom/callback?msg_signature=a&timestamp=1&nonce=n",
                                body=attack.encode(), headers=XML)  # fmt: skip
    assert response.status_code == 400
    assert response.json_body["error"] == "malformed_callback"
    path, body = signed_post(attack.replace("<Encrypt>", "<MsgType>event</MsgType><Encrypt>"))
    inside = client.http.post(path, body=body, headers=XML)
    assert inside.status_code == 400 and inside.json_body["error"] == "malformed_event"


def test_an_oversized_body_is_refused_before_it_is_parsed(client: Any) -> None:
    path, body = signed_post(add_contact_xml())
    padded = body.replace(b"</xml>", b"<Pad>" + b"x" * MAX_ENVELOPE_BYTES + b"</Pad></xml>")
    response = client.http.post(path, body=padded, headers=XML)
    assert response.status_code in (400, 413)
    assert "larger" in response.json_body["message"]


def test_arbitrary_envelopes_never_get_a_server_error(client: Any) -> None:
    tally = Tally("callback envelope")
    good_path, good_body = signed_post(add_contact_xml())
    query = st.dictionaries(
        st.sampled_from(["msg_signature", "timestamp", "nonce", "echostr", "x"]), texts, max_size=4
    )
    bodies = st.one_of(
        st.binary(max_size=2_000),
        st.text(max_size=2_000).map(str.encode),
        st.lists(fields(), max_size=6).map(lambda p: ("<xml>" + "".join(p) + "</xml>").encode()),
        st.builds(mutated, st.just(good_body.decode()), st.integers(0, 5_000), texts).map(
            str.encode
        ),
        st.sampled_from([a.encode() for a in ATTACKS]),
    )

    @fuzz_settings(ENVELOPES)
    @given(body=bodies, params=query, use_good_query=st.booleans(), seed=st.integers(0, 2**32))
    @example(body=good_body, params={}, use_good_query=True, seed=0)
    def run(body: bytes, params: dict[str, str], use_good_query: bool, seed: int) -> None:
        from urllib.parse import urlencode

        path = good_path if use_good_query else f"/wecom/callback?{urlencode(params)}"
        for variant in [body, *mutations(body, seed, ENVELOPE_VARIANTS)]:
            response = client.http.post(path, body=variant, headers=XML)
            tally.saw(response.status_code)
            assert response.status_code < 500, (variant, response.body)
            if response.status_code != 200:
                assert set(response.json_body) == {"error", "message"}

    run()
    print(tally.report())
    assert tally.tried >= ENVELOPES * (1 + ENVELOPE_VARIANTS)
    assert tally.statuses.get(200, 0) >= 1  # the untouched, signed example got through


def test_arbitrary_decrypted_xml_over_http_is_stored_or_refused(client: Any) -> None:
    tally = Tally("callback decrypted XML over HTTP")
    crypto = wecom_crypto()

    @fuzz_settings(DECRYPTED_OVER_HTTP)
    @given(xml=decrypted)
    def run(xml: str) -> None:
        path, body = signed_post(xml, crypto=crypto)
        response = client.http.post(path, body=body, headers=XML)
        tally.saw(response.status_code)
        assert response.status_code in (200, 400), (response.status_code, response.body)
        expected = check_parsed(xml)
        assert (response.status_code == 200) == (expected != "refused"), (xml, expected)

    run()
    print(tally.report())
    assert tally.tried >= DECRYPTED_OVER_HTTP
    assert tally.statuses.get(200, 0) > 0 and tally.statuses.get(400, 0) > 0


def test_arbitrary_decrypted_xml_becomes_a_typed_event_or_a_typed_error() -> None:
    """The same path without the HTTP and storage layers, for volume: the decrypted payload
    as ``receive`` and the stream consumer see it."""
    tally = Tally("callback decrypted XML in service")
    crypto = wecom_crypto()
    outcomes: dict[str, int] = {}

    @fuzz_settings(DECRYPTED_IN_SERVICE)
    @given(xml=decrypted, seed=st.integers(0, 2**32))
    def run(xml: str, seed: int) -> None:
        variants = [xml.encode(), *mutations(xml.encode(), seed, DECRYPTED_VARIANTS)]
        for variant in variants:
            text = variant.decode(errors="replace")
            stamp = str(int(time.time()))
            encrypted, signature = crypto.encrypt(text, "nonce", stamp)
            body = f"<xml><Encrypt>{cdata(encrypted)}</Encrypt></xml>".encode()
            assert crypto.decrypt_envelope(signature, stamp, "nonce", body) == text
            outcome = check_parsed(text)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            tally.saw(200 if outcome != "refused" else 400)

    run()
    print(tally.report(), outcomes)
    assert tally.tried >= DECRYPTED_IN_SERVICE * (1 + DECRYPTED_VARIANTS)
    assert set(outcomes) == {"refused", "untyped", "typed"}
