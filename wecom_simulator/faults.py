"""Fault injection: errcodes, latency, HTTP errors and dropped connections on demand.

A rule matches an API path (relative to ``/cgi-bin/``; ``*`` and shell-style patterns
such as ``externalcontact/*`` allowed). ``times`` fires the rule that many times then
retires it (deterministic); ``rate`` fires it with that probability from a seeded RNG.
Rules are checked in order: delays add up, and the first rule with an outcome (errcode,
HTTP status or drop) decides the answer.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import asdict, dataclass
from typing import Any

from wecom_simulator.errors import invalid


@dataclass
class FaultRule:
    path: str = "*"
    errcode: int | None = None
    errmsg: str | None = None
    http_status: int | None = None
    drop: bool = False
    delay_ms: int = 0
    times: int | None = None
    rate: float | None = None
    fired: int = 0

    @classmethod
    def from_json(cls, data: Any) -> FaultRule:
        if not isinstance(data, dict):
            raise invalid("each fault rule must be an object")
        known = {"path", "errcode", "errmsg", "http_status", "drop", "delay_ms", "times", "rate"}
        unknown = set(data) - known
        if unknown:
            raise invalid(f"unknown fault rule fields {sorted(unknown)}")
        try:
            rule = cls(
                path=str(data.get("path", "*")).removeprefix("/").removeprefix("cgi-bin/"),
                errcode=None if data.get("errcode") is None else int(data["errcode"]),
                errmsg=None if data.get("errmsg") is None else str(data["errmsg"]),
                http_status=None if data.get("http_status") is None else int(data["http_status"]),
                drop=bool(data.get("drop", False)),
                delay_ms=int(data.get("delay_ms", 0)),
                times=None if data.get("times") is None else int(data["times"]),
                rate=None if data.get("rate") is None else float(data["rate"]),
            )
        except (TypeError, ValueError) as error:
            raise invalid(f"fault rule: {error}") from error
        if rule.rate is not None and not 0 <= rule.rate <= 1:
            raise invalid("fault rate must be between 0 and 1")
        if rule.times is not None and rule.times < 1:
            raise invalid("fault times must be at least 1")
        if (
            rule.errcode is None
            and rule.http_status is None
            and not rule.drop
            and not rule.delay_ms
        ):
            raise invalid("a fault rule needs errcode, http_status, drop or delay_ms")
        return rule

    def matches(self, path: str) -> bool:
        return self.path == "*" or fnmatch.fnmatchcase(path, self.path)

    @property
    def has_outcome(self) -> bool:
        return self.errcode is not None or self.http_status is not None or self.drop


@dataclass
class FaultAction:
    """What the server does instead of (or before) answering normally."""

    delay_s: float = 0.0
    errcode: int | None = None
    errmsg: str | None = None
    http_status: int | None = None
    drop: bool = False

    @property
    def replaces_answer(self) -> bool:
        return self.errcode is not None or self.http_status is not None or self.drop


class Faults:
    """The active rules; thread-safe."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._seed = seed
        self._rng = random.Random(seed)
        self._rules: list[FaultRule] = []

    def set(self, rules: list[Any], *, seed: int | None = None, append: bool = False) -> None:
        parsed = [FaultRule.from_json(rule) for rule in rules]
        with self._lock:
            if seed is not None:
                self._seed = seed
            self._rng = random.Random(self._seed)
            self._rules = [*self._rules, *parsed] if append else parsed

    def clear(self) -> None:
        with self._lock:
            self._rules = []
            self._rng = random.Random(self._seed)

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(rule) for rule in self._rules]

    def pick(self, path: str) -> FaultAction | None:
        """The fault for one call to ``path``, or ``None``; consumes ``times``."""
        with self._lock:
            action = FaultAction()
            fired_any = False
            for rule in list(self._rules):
                if not rule.matches(path):
                    continue
                if rule.rate is not None and self._rng.random() >= rule.rate:
                    continue
                fired_any = True
                rule.fired += 1
                if rule.times is not None and rule.fired >= rule.times:
                    self._rules.remove(rule)
                action.delay_s += rule.delay_ms / 1000
                if rule.has_outcome:
                    action.errcode = rule.errcode
                    action.errmsg = rule.errmsg
                    action.http_status = rule.http_status
                    action.drop = rule.drop
                    break
            return action if fired_any else None
