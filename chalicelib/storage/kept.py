"""Configuration every event reads, kept a short while in the container.

Welcome messages, auto-tag rules and the tag catalogue change a few times a day and are
read by every add: read from DynamoDB on every add they cost requests on one hot
partition each. A kept answer is read again once it is ``CONFIG_KEPT_S`` seconds old
(:data:`TTL_S`, 30 s, by default), so an admin's change reaches every warm container
within that time, and at once in the container that made it (the writer calls
``forget``). ``CONFIG_KEPT_S=0`` reads every time (the end-to-end tests, which change the
configuration between one add and the next).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

#: How long a kept answer is used before it is read again (seconds).
TTL_S = 30.0
#: More keys than this and the kept answers are dropped (a bound on memory).
MAX_KEYS = 1000

_every: list[KeptByKey[object, object]] = []


def _ttl() -> float:
    try:
        return max(0.0, float(os.environ.get("CONFIG_KEPT_S", TTL_S)))
    except ValueError:
        return TTL_S


class KeptByKey(Generic[K, T]):
    """``read(key)``'s answers (``None`` included), each kept ``CONFIG_KEPT_S`` seconds."""

    def __init__(self, read: Callable[[K], T], clock: Callable[[], float] = time.monotonic):
        self._read = read
        self._clock = clock
        self._lock = threading.Lock()
        self._kept: dict[K, tuple[float, T]] = {}
        _every.append(self)  # type: ignore[arg-type]

    def get(self, key: K) -> T:
        now = self._clock()
        with self._lock:
            found = self._kept.get(key)
            if found is not None and now < found[0]:
                return found[1]
        value = self._read(key)
        ttl = _ttl()
        if ttl:
            with self._lock:
                if len(self._kept) >= MAX_KEYS:
                    self._kept.clear()
                self._kept[key] = (now + ttl, value)
        return value

    def forget(self) -> None:
        with self._lock:
            self._kept.clear()


class Kept(Generic[T]):
    """``read()``'s answer, kept ``CONFIG_KEPT_S`` seconds."""

    def __init__(self, read: Callable[[], T], clock: Callable[[], float] = time.monotonic):
        self._by_key: KeptByKey[None, T] = KeptByKey(lambda _: read(), clock)

    def get(self) -> T:
        return self._by_key.get(None)

    def forget(self) -> None:
        self._by_key.forget()


def forget_all() -> None:
    """Read everything again on next use (tests, between their fresh tables)."""
    for kept in _every:
        kept.forget()
