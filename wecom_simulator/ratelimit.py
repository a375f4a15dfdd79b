"""Per-minute call counters behind 45009 (sliding 60-second window)."""

from __future__ import annotations

import threading
from collections import defaultdict, deque

WINDOW_S = 60.0


class RateLimiter:
    """Counts calls per key; :meth:`hit` says whether one more call is allowed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, deque[float]] = defaultdict(deque)

    def hit(self, key: str, now: float, limit: int) -> bool:
        """Record a call to ``key`` at ``now``; ``False`` when it exceeds ``limit``/minute."""
        with self._lock:
            calls = self._calls[key]
            while calls and calls[0] <= now - WINDOW_S:
                calls.popleft()
            if len(calls) >= limit:
                return False
            calls.append(now)
            return True

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
