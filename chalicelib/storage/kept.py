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
from collections.abc import Callable, Hashable, Mapping, Sequence
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
    """``read(key)``'s answers (``None`` included), each kept ``CONFIG_KEPT_S`` seconds.

    ``read_many(keys)``, when given, reads several keys in one request for
    :meth:`get_each` (its answer maps every key it was given)."""

    def __init__(
        self,
        read: Callable[[K], T],
        clock: Callable[[], float] = time.monotonic,
        *,
        read_many: Callable[[list[K]], Mapping[K, T]] | None = None,
    ):
        self._read = read
        self._read_many = read_many
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
        self._keep(now, {key: value})
        return value

    def get_each(self, keys: Sequence[K]) -> list[T]:
        """The answer for each of ``keys``: the kept ones, the others read together."""
        now = self._clock()
        answers: dict[K, T] = {}
        with self._lock:
            for key in keys:
                found = self._kept.get(key)
                if found is not None and now < found[0]:
                    answers[key] = found[1]
        missing = list(dict.fromkeys(key for key in keys if key not in answers))
        if missing:
            if self._read_many is None or len(missing) == 1:
                read = {key: self._read(key) for key in missing}
            else:
                got = self._read_many(missing)
                read = {key: got[key] for key in missing}
            self._keep(now, read)
            answers.update(read)
        return [answers[key] for key in keys]

    def _keep(self, now: float, values: Mapping[K, T]) -> None:
        ttl = _ttl()
        if not ttl:
            return
        with self._lock:
            if len(self._kept) + len(values) > MAX_KEYS:
                self._kept.clear()
            for key, value in values.items():
                self._kept[key] = (now + ttl, value)

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
