"""Each provider's webhook signature, checked over the raw body with a constant-time compare.

- Shopify: ``X-Shopify-Hmac-Sha256`` = base64(HMAC-SHA256(app secret, raw body)).
- Youzan (有赞云 push): ``sign`` = md5(client_id + msg + client_secret), ``msg`` as sent
  (URL-encoded JSON), all three inside the JSON body.
- Generic (ours, the Stripe scheme): ``X-Scrm-Signature: t=<unix seconds>,v1=<hex>`` where
  v1 = HMAC-SHA256(secret, ``<t>.<raw body>``); several ``v1`` are allowed (key rotation)
  and ``t`` must be within ``WEBHOOK_MAX_SKEW_S`` of now.

Secrets are read lazily through :mod:`chalicelib.core.secrets` and never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from chalicelib.orders.errors import BadSignature

SHOPIFY_WEBHOOK_SECRET = "SHOPIFY_WEBHOOK_SECRET"  # noqa: S105 - a secret's name, not its value
YOUZAN_CLIENT_SECRET = "YOUZAN_CLIENT_SECRET"  # noqa: S105 - a secret's name, not its value
GENERIC_WEBHOOK_SECRET = "GENERIC_WEBHOOK_SECRET"  # noqa: S105 - a secret's name, not its value
#: Every webhook secret the app reads (infra's secret template lists them).
WEBHOOK_SECRETS = (SHOPIFY_WEBHOOK_SECRET, YOUZAN_CLIENT_SECRET, GENERIC_WEBHOOK_SECRET)

SHOPIFY_HMAC_HEADER = "X-Shopify-Hmac-Sha256"
GENERIC_SIGNATURE_HEADER = "X-Scrm-Signature"


def shopify_signature(secret: str, raw: bytes) -> str:
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_shopify(secret: str, raw: bytes, header: str | None) -> None:
    if not header:
        raise BadSignature(f"{SHOPIFY_HMAC_HEADER} is missing")
    if not hmac.compare_digest(shopify_signature(secret, raw).encode(), header.strip().encode()):
        raise BadSignature("the Shopify HMAC does not match the body")


def youzan_sign(client_id: str, msg: str, secret: str) -> str:
    return hashlib.md5((client_id + msg + secret).encode(), usedforsecurity=False).hexdigest()


def verify_youzan(secret: str, client_id: str, msg: str, sign: str) -> None:
    if not sign:
        raise BadSignature("the Youzan push has no sign")
    expected = youzan_sign(client_id, msg, secret)
    if not hmac.compare_digest(expected.encode(), sign.strip().lower().encode()):
        raise BadSignature("the Youzan sign does not match the message")


def generic_signature(secret: str, timestamp: int | str, raw: bytes) -> str:
    signed = str(timestamp).encode() + b"." + raw
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def generic_header(secret: str, raw: bytes, timestamp: int | None = None) -> str:
    """The header a sender puts on a generic delivery (used by tests and the demo)."""
    at = int(time.time()) if timestamp is None else timestamp
    return f"t={at},v1={generic_signature(secret, at, raw)}"


def verify_generic(
    secret: str, raw: bytes, header: str | None, max_skew_s: int, now: float | None = None
) -> int:
    """The signed timestamp, once the header is well formed, fresh and matches."""
    if not header:
        raise BadSignature(f"{GENERIC_SIGNATURE_HEADER} is missing")
    timestamp, candidates = "", []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            timestamp = value
        elif name == "v1" and value:
            candidates.append(value)
    if not timestamp.isdigit() or not candidates:
        raise BadSignature(f"{GENERIC_SIGNATURE_HEADER} needs t=<unix seconds> and v1=<hex>")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > max_skew_s:
        raise BadSignature("the signature's timestamp is outside the tolerance", code="stale")
    expected = generic_signature(secret, timestamp, raw).encode()
    if not any(hmac.compare_digest(expected, c.strip().lower().encode()) for c in candidates):
        raise BadSignature("no v1 signature matches the body")
    return int(timestamp)
