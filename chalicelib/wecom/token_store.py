"""Where the WeCom access token lives: one DynamoDB item shared by every Lambda instance.

WeCom rate-limits ``gettoken`` per corp, and every cold Lambda would otherwise fetch its own
token; so the token is cached in the RUNTIME_STATE table and read by all instances. Both
stores here speak wechatpy's session protocol (``get`` / ``set`` / ``delete``) and add
``discard(key, value)``: drop the token only if it is still the one a caller saw refused,
so a token another instance has just fetched survives.

DynamoDB TTL deletes items lazily (often hours late), so ``get`` checks ``expires_at``
itself, and treats a token within :data:`EXPIRY_MARGIN_S` of its end as absent: a request
started with it could reach WeCom after it expired.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, GetError, PutError

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.core.observability import logger
from chalicelib.storage.dynamo import TableModel, condition_failed
from chalicelib.storage.schema import RUNTIME_STATE

#: A token this close to its expiry is treated as already gone (seconds).
EXPIRY_MARGIN_S = 60
#: Lifetime assumed when a caller stores a token without one (WeCom's is 7200 s).
DEFAULT_TTL_S = 7200

Clock = Callable[[], float]
T = TypeVar("T")


class TokenStore(Protocol):
    """wechatpy's session protocol, plus a compare-and-delete."""

    def get(self, key: str, default: T | None = None) -> str | T | None: ...

    def set(self, key: str, value: str, ttl: int | None = None) -> None: ...

    def delete(self, key: str) -> None: ...

    def discard(self, key: str, value: str) -> None: ...


def token_key(corp_id: str, agent_id: int | str) -> str:
    """The store key of one app's token (no part of the secret, unlike wechatpy's key)."""
    return f"wecom-token#{corp_id}#{agent_id}"


def _expires_at(ttl: int | None, now: float) -> float:
    return now + (DEFAULT_TTL_S if ttl is None else ttl)


class MemoryTokenStore:
    """Process-local store that honours expiry (wechatpy's ``MemoryStorage`` does not).

    The default of a client built without a shared store, and the memo in front of
    :class:`DynamoTokenStore`.
    """

    def __init__(self, *, clock: Clock = time.time, margin_s: float = EXPIRY_MARGIN_S) -> None:
        self._items: dict[str, tuple[str, float]] = {}
        self._clock = clock
        self._margin_s = margin_s

    def get(self, key: str, default: T | None = None) -> str | T | None:
        item = self._items.get(key)
        if item is None:
            return default
        value, expires_at = item
        if expires_at - self._clock() <= self._margin_s:
            self._items.pop(key, None)
            return default
        return value

    def set(self, key: str, value: str, ttl: int | None = None) -> None:
        self._items[key] = (str(value), _expires_at(ttl, self._clock()))

    def put_until(self, key: str, value: str, expires_at: float) -> None:
        """Remember ``value`` until an absolute time (a token read from the shared store)."""
        self._items[key] = (value, expires_at)

    def delete(self, key: str) -> None:
        self._items.pop(key, None)

    def discard(self, key: str, value: str) -> None:
        item = self._items.get(key)
        if item is not None and item[0] == value:
            del self._items[key]


class WeComTokenModel(TableModel):
    """One cached access token: ``pk`` is :func:`token_key`, ``expires_at`` its TTL."""

    schema = RUNTIME_STATE

    value = UnicodeAttribute()
    expires_at = TTLAttribute()


class DynamoTokenStore:
    """The token cache shared by all Lambda instances, with an in-process memo in front.

    The memo saves a DynamoDB read per WeCom call; it honours the same expiry, and a
    refused token is dropped from it (``discard``) so the next read goes to DynamoDB,
    where another instance may already have stored a fresh one.
    """

    def __init__(
        self,
        *,
        memo: bool = True,
        clock: Clock = time.time,
        margin_s: float = EXPIRY_MARGIN_S,
    ) -> None:
        self._clock = clock
        self._margin_s = margin_s
        self._memo = MemoryTokenStore(clock=clock, margin_s=margin_s) if memo else None

    def get(self, key: str, default: T | None = None) -> str | T | None:
        if self._memo is not None:
            cached = self._memo.get(key)
            if cached is not None:
                return cached
        model = WeComTokenModel
        try:
            item = model.get(key, consistent_read=True)
        except model.DoesNotExist:
            return default
        except GetError as error:
            raise DependencyUnavailable("the token store did not answer") from error
        expires_at = _timestamp(item.expires_at)
        if expires_at - self._clock() <= self._margin_s:
            return default
        if self._memo is not None:
            self._memo.put_until(key, item.value, expires_at)
        return item.value

    def set(self, key: str, value: str, ttl: int | None = None) -> None:
        expires_at = _expires_at(ttl, self._clock())
        if self._memo is not None:
            self._memo.put_until(key, str(value), expires_at)
        model = WeComTokenModel
        item = model(key, value=str(value), expires_at=datetime.fromtimestamp(expires_at, UTC))
        try:
            item.save()
        except PutError:
            # The token works without the shared copy: other instances fetch their own.
            logger.warning("wecom token not shared: store write failed", extra={"key": key})

    def delete(self, key: str) -> None:
        if self._memo is not None:
            self._memo.delete(key)
        model = WeComTokenModel
        try:
            model(key).delete()
        except DeleteError as error:
            raise DependencyUnavailable("the token store did not answer") from error

    def discard(self, key: str, value: str) -> None:
        """Delete the token only if it is still ``value`` (a newer one is kept)."""
        if self._memo is not None:
            self._memo.discard(key, value)
        model = WeComTokenModel
        try:
            model(key).delete(condition=model.value == value)
        except DeleteError as error:
            if not condition_failed(error):
                logger.warning("wecom token discard failed", extra={"key": key})


def _timestamp(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)
