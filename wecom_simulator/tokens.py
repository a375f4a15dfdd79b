"""Access tokens: issued by ``gettoken``, checked on every other call."""

from __future__ import annotations

import secrets
import threading

from wecom_simulator.errors import (
    EXPIRED_ACCESS_TOKEN,
    INVALID_ACCESS_TOKEN,
    MISSING_ACCESS_TOKEN,
    ApiError,
)


class Tokens:
    """Issued tokens and their expiry times (epoch seconds)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}

    def issue(self, now: float, ttl_s: int) -> str:
        token = secrets.token_urlsafe(48)
        with self._lock:
            self._expiry[token] = now + ttl_s
        return token

    def check(self, token: str | None, now: float) -> None:
        """Raise 41001 (missing), 40014 (unknown) or 42001 (expired)."""
        if not token:
            raise ApiError(MISSING_ACCESS_TOKEN, "access_token missing")
        with self._lock:
            expiry = self._expiry.get(token)
        if expiry is None:
            raise ApiError(INVALID_ACCESS_TOKEN, "invalid access_token")
        if now >= expiry:
            raise ApiError(EXPIRED_ACCESS_TOKEN, "access_token expired")

    def expire_all(self, now: float) -> int:
        """End every issued token now (they answer 42001); returns how many were live."""
        with self._lock:
            live = [t for t, expiry in self._expiry.items() if expiry > now]
            for token in live:
                self._expiry[token] = now
        return len(live)

    def clear(self) -> None:
        with self._lock:
            self._expiry.clear()

    def count(self) -> int:
        with self._lock:
            return len(self._expiry)
