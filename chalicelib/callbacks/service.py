"""Receiving WeCom callbacks: verify, decrypt, parse, store once.

An accepted event is stored (raw, with a TTL) before anything acts on it, with a
conditional write on its dedupe key, so a retried or concurrent duplicate is stored once
and answered 200 like the first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.callbacks import store
from chalicelib.core import secrets
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.observability import logger, metrics
from chalicelib.core.settings import get_settings
from chalicelib.wecom.crypto import CallbackCrypto
from chalicelib.wecom.inbound import parse_event


@dataclass(frozen=True)
class Receipt:
    key: str
    kind: str
    stored: bool


def crypto() -> CallbackCrypto:
    settings = get_settings()
    return CallbackCrypto(
        token=secrets.get_secret(secrets.WECOM_TOKEN, settings),
        encoding_aes_key=secrets.get_secret(secrets.WECOM_ENCODING_AES_KEY, settings),
        corp_id=settings.wecom_corp_id,
        max_skew_s=settings.callback_max_skew_s,
    )


def verify_url(signature: str, timestamp: str, nonce: str, echostr: str) -> str:
    return crypto().verify_url(signature, timestamp, nonce, echostr)


def receive(signature: str, timestamp: str, nonce: str, body: bytes) -> Receipt:
    event = parse_event(crypto().decrypt_envelope(signature, timestamp, nonce, body))
    stored = store.record(event, ttl_days=get_settings().callback_event_ttl_days)
    logger.info(
        "callback received",
        extra={"event_key": event.key, "kind": event.kind, "duplicate": not stored},
    )
    metrics.add_metric(
        name="CallbackStored" if stored else "CallbackDuplicate", unit=MetricUnit.Count, value=1
    )
    return Receipt(key=event.key, kind=event.kind, stored=stored)


# --- admin ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredEvent:
    key: str
    kind: str
    status: str
    attempts: int
    received_at: int
    last_error: str | None
    raw: str

    @classmethod
    def of(cls, item: store.CallbackEventModel) -> StoredEvent:
        return cls(
            key=item.pk,
            kind=item.kind,
            status=item.status,
            attempts=int(item.attempts),
            received_at=int(item.received_at),
            last_error=item.last_error,
            raw=item.raw,
        )


def get_event(key: str) -> StoredEvent:
    item = store.get(key)
    if item is None:
        raise NotFound(f"no stored event {key}")
    return StoredEvent.of(item)


def dead_letters(limit: int) -> list[StoredEvent]:
    return [StoredEvent.of(item) for item in store.dead_letters(limit)]


def dead_letters_page(limit: int, cursor: str | None) -> tuple[list[StoredEvent], str | None]:
    items, following = store.dead_letters_page(limit, cursor)
    return [StoredEvent.of(item) for item in items], following


def requeue(key: str) -> StoredEvent:
    """Give a dead letter a fresh attempt budget; the sweeper picks it up next."""
    if not store.requeue(key, now=time.time()):
        raise Conflict(f"event {key} is not a dead letter", code="not_dead_lettered")
    return get_event(key)
