"""Signed order webhook deliveries for tests, as each provider sends them."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

from chalicelib.orders import signatures

SHOPIFY_SECRET = "shopify-app-secret-for-tests"
YOUZAN_CLIENT_ID = "yz-client-for-tests"
YOUZAN_SECRET = "youzan-client-secret-for-tests"
GENERIC_SECRET = "generic-webhook-secret-for-tests"

WEBHOOK_ENV = {
    "SHOPIFY_WEBHOOK_SECRET": SHOPIFY_SECRET,
    "YOUZAN_CLIENT_SECRET": YOUZAN_SECRET,
    "GENERIC_WEBHOOK_SECRET": GENERIC_SECRET,
}


def shopify(
    topic: str, body: dict[str, Any], *, secret: str = SHOPIFY_SECRET, webhook_id: str = ""
) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    return raw, {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Webhook-Id": webhook_id or f"wh-{topic}-{body.get('id')}",
        "X-Shopify-Hmac-Sha256": signatures.shopify_signature(secret, raw),
    }


def shopify_order(order_id: int, total: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": order_id,
        "total_price": total,
        "currency": "CNY",
        "created_at": "2026-11-20T10:00:00+08:00",
        "financial_status": "paid",
        **extra,
    }


def shopify_refund(order_id: int, refund_id: int, amount: str) -> dict[str, Any]:
    return {
        "id": refund_id,
        "order_id": order_id,
        "transactions": [{"kind": "refund", "status": "success", "amount": amount}],
    }


def youzan(
    kind: str,
    message: dict[str, Any],
    *,
    secret: str = YOUZAN_SECRET,
    client_id: str = YOUZAN_CLIENT_ID,
    push_id: str = "",
) -> tuple[bytes, dict[str, str]]:
    msg = quote(json.dumps(message, ensure_ascii=False))
    body = {
        "client_id": client_id,
        "id": push_id or f"push-{message.get('tid')}-{kind}",
        "kdt_id": 10001,
        "kdt_name": "测试店",
        "mode": 1,
        "msg": msg,
        "sendCount": 0,
        "sign": signatures.youzan_sign(client_id, msg, secret),
        "status": message.get("status", ""),
        "test": False,
        "type": kind,
        "version": int(time.time()),
    }
    return json.dumps(body, ensure_ascii=False).encode(), {"Content-Type": "application/json"}


def generic(
    body: dict[str, Any], *, secret: str = GENERIC_SECRET, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    return raw, {
        "Content-Type": "application/json",
        signatures.GENERIC_SIGNATURE_HEADER: signatures.generic_header(secret, raw, timestamp),
    }
