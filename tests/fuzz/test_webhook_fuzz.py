"""``POST /webhooks/...`` (order webhooks) under arbitrary input, for every webhook route and
every source the app has when the test runs: garbage, unsigned and correctly signed JSON
(arbitrary values and order-shaped bodies with wrong types, huge numbers, odd dates), and
byte-level variants re-signed so they reach the parser. Never a 5xx; oversized bodies 413.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app import app
from tests.fuzz.conftest import Tally, fuzz_settings, mutations

EXAMPLES, VARIANTS = 2_000, 4  # 10,000 inputs over the entry point

WEBHOOK_ROUTES = sorted(
    (path, entry)
    for path, methods in app.routes.items()
    if path.startswith("/webhooks/")
    for method, entry in methods.items()
    if method == "POST"
)
pytestmark = pytest.mark.skipif(not WEBHOOK_ROUTES, reason="the app has no webhook route")

SECRET = "fuzz-webhook-secret-0123456789"
Signer = Callable[[bytes, Any], tuple[bytes, dict[str, str]]]


def sources_of(entry: Any) -> list[str]:
    """The sources a ``{source}`` webhook route knows (``SOURCES`` in its context's models)."""
    package = entry.view_function.__module__.rsplit(".", 1)[0]
    try:
        return list(importlib.import_module(f"{package}.models").SOURCES)
    except (ImportError, AttributeError):
        return []


def signers() -> dict[str, Signer]:
    """How each known provider signs a delivery (its own scheme, with the fuzz secret)."""
    try:
        from chalicelib.orders import signatures
    except ImportError:
        return {}

    def shopify(raw: bytes, topic: Any) -> tuple[bytes, dict[str, str]]:
        return raw, {
            "Content-Type": "application/json",
            "X-Shopify-Topic": str(topic),
            "X-Shopify-Webhook-Id": "wh-fuzz",
            signatures.SHOPIFY_HMAC_HEADER: signatures.shopify_signature(SECRET, raw),
        }

    def youzan(raw: bytes, kind: Any) -> tuple[bytes, dict[str, str]]:
        msg = quote(raw.decode("utf-8", errors="replace"))
        envelope = {
            "client_id": "fuzz-client",
            "id": "push-fuzz",
            "msg": msg,
            "type": str(kind),
            "sign": signatures.youzan_sign("fuzz-client", msg, SECRET),
            "test": False,
        }
        return json.dumps(envelope).encode(), {"Content-Type": "application/json"}

    def generic(raw: bytes, _: Any) -> tuple[bytes, dict[str, str]]:
        header = signatures.generic_header(SECRET, raw)
        return raw, {
            "Content-Type": "application/json",
            signatures.GENERIC_SIGNATURE_HEADER: header,
        }

    return {"shopify": shopify, "youzan": youzan, "generic": generic}


# --- bodies ----------------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=24)
    | st.sampled_from(["", "0", "-1", "1e400", "12.345", "NaN", "2026-13-45T99:99:99Z"])
)
anything = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
ids = st.integers(-5, 10**20) | st.text("abcXYZ019_.:-/ ", min_size=0, max_size=70) | anything
amounts = (
    st.decimals(min_value=-10, max_value=10**13, places=3, allow_nan=False).map(str)
    | st.integers(-(10**13), 10**13)
    | anything
)
moments = (
    st.datetimes().map(lambda d: d.isoformat() + "+08:00")
    | st.integers(-(10**12), 10**12)
    | anything
)
buyers = st.fixed_dictionaries(
    {},
    optional={
        "phone": st.text("0123456789+- ", max_size=20) | anything,
        "external_userid": ids,
        "unionid": ids,
        "email": st.emails() | anything,
    },
)
shopify_bodies = st.fixed_dictionaries(
    {"id": ids},
    optional={
        "total_price": amounts,
        "currency": st.sampled_from(["CNY", "usd", "", "XXXX"]) | anything,
        "created_at": moments,
        "financial_status": st.sampled_from(["paid", "pending", "refunded"]) | anything,
        "customer": buyers | anything,
        "note_attributes": st.lists(st.fixed_dictionaries({"name": ids, "value": ids}), max_size=3)
        | anything,
        "order_id": ids,
        "transactions": st.lists(
            st.fixed_dictionaries(
                {"kind": st.sampled_from(["refund", "sale"]) | anything, "amount": amounts},
                optional={"status": st.sampled_from(["success", "failure"]) | anything},
            ),
            max_size=3,
        )
        | anything,
    },
)
youzan_messages = st.fixed_dictionaries(
    {"tid": ids},
    optional={
        "status": st.sampled_from(["WAIT_BUYER_PAY", "TRADE_PAID", "TRADE_SUCCESS", "TRADE_CLOSE"])
        | anything,
        "payment": amounts,
        "created": st.sampled_from(["2026-11-20 10:00:00", "2026-02-30 25:61:00"]) | moments,
        "refund_id": ids,
        "oid": ids,
        "refunded_fee": amounts,
        "buyer_phone": st.text("0123456789", max_size=15) | anything,
        "external_userid": ids,
        "union_id": ids,
    },
)
generic_bodies = st.fixed_dictionaries(
    {
        "order_id": ids,
        "event": st.sampled_from(["created", "paid", "completed", "cancelled", "refunded"])
        | anything,
    },
    optional={
        "amount_cents": amounts,
        "currency": st.text(max_size=4),
        "ordered_at": moments,
        "refund_id": ids,
        "refund_cents": amounts,
        "buyer": buyers | anything,
    },
)
topics = st.sampled_from(
    [
        "orders/create",
        "orders/paid",
        "orders/fulfilled",
        "orders/cancelled",
        "refunds/create",
        "TRADE_ORDER_STATE",
        "TRADE_REFUND_SUCCESS",
        "trade_refund_RefundSuccess",
    ]
) | st.text(max_size=30)
bodies = anything | shopify_bodies | youzan_messages | generic_bodies


def encode(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")


def test_oversized_deliveries_are_refused(client: Any) -> None:
    for path, entry in WEBHOOK_ROUTES:
        for source in sources_of(entry) or ["x"]:
            concrete = path.replace("{source}", source)
            raw = b'{"pad": "' + b"x" * (1024 * 1024) + b'"}'
            response = client.http.post(
                concrete, body=raw, headers={"Content-Type": "application/json"}
            )
            assert response.status_code in (400, 413), (concrete, response.status_code)


def test_arbitrary_deliveries_never_get_a_server_error(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        from chalicelib.orders.signatures import WEBHOOK_SECRETS
    except ImportError:
        WEBHOOK_SECRETS = ()
    for name in WEBHOOK_SECRETS:
        monkeypatch.setenv(name, SECRET)
    tally = Tally("order webhooks")
    by_source: dict[str, int] = {}
    targets = [(path, source) for path, entry in WEBHOOK_ROUTES for source in sources_of(entry)]
    sign = signers()

    @fuzz_settings(EXAMPLES)
    @given(
        target=st.sampled_from(targets or [(WEBHOOK_ROUTES[0][0], "x")]),
        stranger=st.text(min_size=1, max_size=20),
        use_stranger=st.integers(0, 9),
        body=bodies,
        topic=topics,
        signed=st.booleans() | st.just(True),
        seed=st.integers(0, 2**32),
    )
    def run(
        target: tuple[str, str],
        stranger: str,
        use_stranger: int,
        body: Any,
        topic: Any,
        signed: bool,
        seed: int,
    ) -> None:
        path, source = target
        if use_stranger == 0 and "{source}" in path:  # a source nobody configured
            source = stranger
        concrete = re.sub(r"\{source\}", quote(source, safe=""), path)
        raw = encode(body)
        signer = sign.get(source) if signed else None
        for variant in [raw, *mutations(raw, seed, VARIANTS)]:
            sent, headers = (
                signer(variant, topic)
                if signer
                else (variant, {"Content-Type": "application/json"})
            )
            response = client.http.post(concrete, body=sent, headers=headers)
            tally.saw(response.status_code)
            by_source[source if source in sign else "other"] = (
                by_source.get(source if source in sign else "other", 0) + 1
            )
            assert response.status_code < 500, (concrete, sent[:300], response.body)
            if response.status_code >= 400:
                assert set(json.loads(response.body)) == {"error", "message"}

    run()
    print(tally.report(), by_source)
    assert tally.tried >= EXAMPLES * (1 + VARIANTS)
    if targets:
        assert tally.statuses.get(200, 0) > 0  # some signed deliveries were accepted
