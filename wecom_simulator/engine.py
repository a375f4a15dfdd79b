"""The simulator without HTTP: answers API calls, keeps the call log, owns the world.

Order of checks for a call to ``/cgi-bin/<path>``: unknown path (404, 48001) → fault
rules → per-API rate limit (45009) → access token (41001 / 40014 / 42001; not for
``gettoken``) → JSON body (47001) → the handler, under the world lock.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from wecom_simulator.api import ROUTES, Ctx
from wecom_simulator.callbacks import Pusher
from wecom_simulator.config import SimConfig
from wecom_simulator.errors import (
    BAD_JSON,
    BUSY,
    FREQUENCY_LIMIT,
    INVALID_CORP_ID,
    INVALID_CREDENTIAL,
    ApiError,
)
from wecom_simulator.faults import Faults
from wecom_simulator.ratelimit import RateLimiter
from wecom_simulator.state import World
from wecom_simulator.tokens import Tokens

logger = logging.getLogger("wecom_simulator")

REDACTED = "***"
SECRET_PARAMS = frozenset({"access_token", "corpsecret"})
API_PREFIX = "/cgi-bin/"

#: WeCom's answer to a caller whose IP the corp has not listed as trusted.
IP_NOT_TRUSTED = 60020


@dataclass
class Answer:
    """What the HTTP layer sends back; ``payload=None`` with ``drop`` closes the socket."""

    status: int
    payload: dict[str, Any] | None
    drop: bool = False


def redact(query: dict[str, str]) -> dict[str, str]:
    return {k: (REDACTED if k in SECRET_PARAMS else v) for k, v in query.items()}


def redact_answer(payload: dict[str, Any] | None) -> dict[str, Any] | None:
    """The answer as logged: an issued access token is not repeated."""
    if payload and "access_token" in payload:
        return {**payload, "access_token": REDACTED}
    return payload


def parse_body(raw: bytes) -> tuple[Any, bool]:
    """``(body, ok)``: JSON when possible, the text otherwise (``ok=False``)."""
    if not raw.strip():
        return None, True
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text), True
    except ValueError:
        return text, False


class Engine:
    """All state and behaviour of one simulated corp."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.clock_offset = 0.0
        self.base_url = f"http://{config.host}:{config.port}"
        self.world = World()
        self.tokens = Tokens()
        self.limiter = RateLimiter()
        self.faults = Faults(config.fault_seed)
        #: False: every API call but gettoken answers 60020, as WeCom does for a caller
        #: outside the corp's trusted IPs (企业可信IP).
        self.trusted_ip = True
        #: ``(file name, content)`` served at this server's root, standing in locally for
        #: the trusted domain's ``WW_verify_….txt``; None: not served (404).
        self.verify_file: tuple[str, str] | None = None
        self.pusher = Pusher(config, self.now)
        self._log: list[dict[str, Any]] = []
        self._log_lock = threading.Lock()
        self._seq = itertools.count(1)
        self._seed_world()

    # --- time and lifecycle ----------------------------------------------------------------

    def now(self) -> float:
        return self.config.clock() + self.clock_offset

    @property
    def public_base_url(self) -> str:
        return (self.config.public_base_url or self.base_url).rstrip("/")

    def _seed_world(self) -> None:
        if self.config.seed_staff:
            self.world.seed_default_staff()

    def reset(self) -> None:
        """Forget log, world, faults, tokens, rate counters, deliveries; keep the config."""
        self.pusher.wait(timeout_s=5)
        with self.lock:
            self.world = World()
            self._seed_world()
            self.tokens.clear()
            self.limiter.clear()
            self.faults.clear()
            self.trusted_ip = True
            self.verify_file = None
            self.pusher.clear()
            self.clock_offset = 0.0
            with self._log_lock:
                self._log.clear()

    # --- the call log ------------------------------------------------------------------------

    def calls(self, path: str | None = None) -> list[dict[str, Any]]:
        with self._log_lock:
            rows = [dict(r) for r in self._log]
        if path:
            wanted = path.removeprefix("/").removeprefix("cgi-bin/")
            rows = [r for r in rows if r["path"] == wanted]
        return rows

    def _record(self, entry: dict[str, Any]) -> None:
        with self._log_lock:
            self._log.append(entry)

    # --- API calls -----------------------------------------------------------------------------

    def call_api(self, method: str, path: str, query: dict[str, str], raw_body: bytes) -> Answer:
        """Answer one call to ``/cgi-bin/<path>`` and log it."""
        path = path.strip("/")
        body, body_ok = parse_body(raw_body)
        entry: dict[str, Any] = {
            "seq": next(self._seq),
            "time": self.now(),
            "method": method,
            "path": path,
            "query": redact(query),
            "body": body,
        }
        try:
            answer = self._answer(path, query, body, body_ok)
        except Exception:
            logger.exception("handler failed for %s", path)
            answer = Answer(500, {"errcode": BUSY, "errmsg": "simulator internal error"})
        entry["status"] = "dropped" if answer.drop else answer.status
        entry["answer"] = redact_answer(answer.payload)
        self._record(entry)
        return answer

    def _answer(self, path: str, query: dict[str, str], body: Any, body_ok: bool) -> Answer:
        if path != "gettoken" and path not in ROUTES:
            return Answer(404, {"errcode": 48001, "errmsg": f"api not found: {path}"})
        if path != "gettoken" and not self.trusted_ip:
            return Answer(
                200,
                {
                    "errcode": IP_NOT_TRUSTED,
                    "errmsg": "not allow to access from your ip, hint: add it to 企业可信IP",
                },
            )
        fault = self.faults.pick(path)
        if fault is not None:
            if fault.delay_s:
                time.sleep(fault.delay_s)
            if fault.drop:
                return Answer(0, None, drop=True)
            if fault.http_status is not None:
                errcode = BUSY if fault.errcode is None else fault.errcode
                return Answer(
                    fault.http_status,
                    {"errcode": errcode, "errmsg": fault.errmsg or "injected HTTP error"},
                )
            if fault.errcode is not None:
                return Answer(
                    200, {"errcode": fault.errcode, "errmsg": fault.errmsg or "injected fault"}
                )
        now = self.now()
        if not self.limiter.hit(f"api:{path}", now, self.config.rate_limit_per_minute):
            return Answer(200, {"errcode": FREQUENCY_LIMIT, "errmsg": "api freq out of limit"})
        try:
            if path == "gettoken":
                return Answer(200, self._gettoken(query, now))
            self.tokens.check(query.get("access_token"), now)
            if not body_ok or (body is not None and not isinstance(body, dict)):
                raise ApiError(BAD_JSON, "json body is invalid")
            params: dict[str, Any] = {k: v for k, v in query.items() if k != "access_token"}
            params.update(body or {})
            with self.lock:
                ctx = Ctx(
                    self.world, self.config, self.now(), params, self.public_base_url, self.limiter
                )
                result = ROUTES[path](ctx)
        except ApiError as error:
            return Answer(error.http_status, {"errcode": error.errcode, "errmsg": error.errmsg})
        return Answer(200, {"errcode": 0, "errmsg": "ok", **result})

    def _gettoken(self, query: dict[str, str], now: float) -> dict[str, Any]:
        if query.get("corpid") != self.config.corp_id:
            raise ApiError(INVALID_CORP_ID, "invalid corpid")
        if query.get("corpsecret") != self.config.secret:
            raise ApiError(INVALID_CREDENTIAL, "invalid credential: corpsecret")
        token = self.tokens.issue(now, self.config.token_ttl_s)
        return {
            "errcode": 0,
            "errmsg": "ok",
            "access_token": token,
            "expires_in": self.config.token_ttl_s,
        }

    # --- callbacks --------------------------------------------------------------------------------

    def push(
        self,
        xml: str,
        *,
        url: str | None = None,
        run_async: bool = False,
        timestamp: int | None = None,
    ) -> dict[str, Any]:
        """Encrypt and deliver one event (never called with the world lock held)."""
        return self.pusher.push(xml, url=url, run_async=run_async, timestamp=timestamp)
