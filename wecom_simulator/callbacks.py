"""Push encrypted callbacks to the product, the way WeCom does (reference §1).

Each delivery encrypts the same plain XML afresh (new random prefix, timestamp and nonce),
signs it and POSTs the envelope. Only HTTP 200 within the deadline counts; otherwise the
delivery is repeated, ``callback_attempts`` deliveries in all.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from defusedxml import ElementTree

from wecom_simulator.config import SimConfig
from wecom_simulator.crypto import WeComCrypto
from wecom_simulator.events import cdata

ANSWER_LIMIT = 2000

#: No proxies: deliveries go straight to the callback URL (normally loopback).
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def envelope(corp_id: str, agent_id: str, encrypt: str) -> str:
    return (
        f"<xml><ToUserName>{cdata(corp_id)}</ToUserName><AgentID>{cdata(agent_id)}</AgentID>"
        f"<Encrypt>{cdata(encrypt)}</Encrypt></xml>"
    )


def envelope_encrypt(body: bytes | str) -> str:
    """The ``Encrypt`` text of a pushed envelope."""
    root = ElementTree.fromstring(body)
    node = root.find("Encrypt")
    if node is None or not node.text:
        raise ValueError("no Encrypt element")
    return str(node.text)


def with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


class Pusher:
    """Delivers events and keeps a record of every delivery attempt."""

    def __init__(self, config: SimConfig, now: Callable[[], float]) -> None:
        self.config = config
        self.now = now
        self._lock = threading.Lock()
        self._records: list[dict[str, Any]] = []
        self._push_ids = itertools.count(1)
        self._seq = itertools.count(1)
        self._threads: list[threading.Thread] = []

    @property
    def crypto(self) -> WeComCrypto:
        c = self.config
        return WeComCrypto(c.token, c.encoding_aes_key, c.corp_id)

    # --- records -----------------------------------------------------------------------

    def deliveries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._records]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def _record(self, record: dict[str, Any]) -> None:
        with self._lock:
            record["seq"] = next(self._seq)
            self._records.append(record)

    # --- pushing -----------------------------------------------------------------------

    def push(
        self,
        xml: str,
        *,
        url: str | None = None,
        run_async: bool = False,
        timestamp: int | None = None,
    ) -> dict[str, Any]:
        """Deliver ``xml``; returns a summary (or, async, the push id to look up later).

        The query's ``timestamp`` is wall-clock time (as WeCom's) unless given: the
        simulator clock only moves the simulated world.
        """
        push_id = next(self._push_ids)
        target = url or self.config.callback_url
        if run_async:
            thread = threading.Thread(
                target=self._deliver_all, args=(push_id, xml, target, timestamp), daemon=True
            )
            with self._lock:
                self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()
            return {"push_id": push_id, "async": True, "url": target}
        return self._deliver_all(push_id, xml, target, timestamp)

    def wait(self, timeout_s: float = 30.0) -> None:
        """Wait for async pushes to finish (tests)."""
        with self._lock:
            threads = list(self._threads)
        deadline = time.monotonic() + timeout_s
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _deliver_all(
        self, push_id: int, xml: str, url: str | None, timestamp: int | None
    ) -> dict[str, Any]:
        attempts: list[dict[str, Any]] = []
        total = max(1, self.config.callback_attempts)
        for number in range(1, total + 1):
            if number > 1 and self.config.callback_retry_delay_s > 0:
                time.sleep(self.config.callback_retry_delay_s)
            record = self._deliver_once(push_id, number, xml, url, timestamp)
            attempts.append(record)
            if record["ok"] or not url:
                break
        last = attempts[-1]
        return {
            "push_id": push_id,
            "url": url,
            "ok": last["ok"],
            "status": last["status"],
            "attempts": len(attempts),
            "deliveries": attempts,
        }

    def _deliver_once(
        self, push_id: int, attempt: int, xml: str, url: str | None, fixed_ts: int | None
    ) -> dict[str, Any]:
        crypto = self.crypto
        timestamp = str(int(time.time()) if fixed_ts is None else fixed_ts)
        nonce = str(secrets.randbelow(10**10))
        encrypt = crypto.encrypt(xml)
        query = {
            "msg_signature": crypto.sign(timestamp, nonce, encrypt),
            "timestamp": timestamp,
            "nonce": nonce,
        }
        record: dict[str, Any] = {
            "push_id": push_id,
            "attempt": attempt,
            "url": url,
            "time": self.now(),
            "timestamp": timestamp,
            "nonce": nonce,
            "xml": xml,
            "status": None,
            "ok": False,
            "latency_ms": 0.0,
            "answer": None,
            "error": None,
        }
        if not url:
            record["error"] = "no callback_url configured"
            self._record(record)
            return record
        body = envelope(self.config.corp_id, self.config.agent_id, encrypt).encode()
        request = urllib.request.Request(
            with_query(url, query),
            data=body,
            method="POST",
            headers={"Content-Type": "text/xml", "User-Agent": "wecom-simulator"},
        )
        status, answer, error, latency_ms = self._send(request)
        record.update(status=status, answer=answer, error=error, latency_ms=latency_ms)
        record["ok"] = status == 200
        self._record(record)
        return record

    def _send(
        self, request: urllib.request.Request
    ) -> tuple[int | None, str | None, str | None, float]:
        started = time.monotonic()
        status: int | None = None
        answer: str | None = None
        error: str | None = None
        try:
            with _OPENER.open(request, timeout=self.config.callback_timeout_s) as response:
                status = response.status
                answer = response.read().decode(errors="replace")
        except urllib.error.HTTPError as failure:
            status = failure.code
            try:
                answer = failure.read().decode(errors="replace")
            except OSError:
                answer = None
        except TimeoutError:
            error = f"timeout after {self.config.callback_timeout_s} s"
        except (urllib.error.URLError, OSError) as failure:
            reason = getattr(failure, "reason", failure)
            error = "timeout" if isinstance(reason, TimeoutError) else f"{type(reason).__name__}"
            if error == "timeout":
                error = f"timeout after {self.config.callback_timeout_s} s"
        latency_ms = round((time.monotonic() - started) * 1000, 1)
        if answer is not None:
            answer = answer[:ANSWER_LIMIT]
        return status, answer, error, latency_ms

    # --- URL verification ----------------------------------------------------------------

    def verify_url(self, url: str | None = None) -> dict[str, Any]:
        """WeCom's GET handshake: the answer must be the decrypted echostr, exactly."""
        target = url or self.config.callback_url
        plain = str(10**18 + secrets.randbelow(9 * 10**18))
        crypto = self.crypto
        timestamp = str(int(time.time()))
        nonce = str(secrets.randbelow(10**10))
        echostr = crypto.encrypt(plain)
        result: dict[str, Any] = {
            "url": target,
            "ok": False,
            "status": None,
            "expected": plain,
            "answer": None,
            "error": None,
            "latency_ms": 0.0,
        }
        if not target:
            result["error"] = "no callback_url configured"
            return result
        query = {
            "msg_signature": crypto.sign(timestamp, nonce, echostr),
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": echostr,
        }
        request = urllib.request.Request(
            with_query(target, query), method="GET", headers={"User-Agent": "wecom-simulator"}
        )
        status, answer, error, latency_ms = self._send(request)
        result.update(status=status, answer=answer, error=error, latency_ms=latency_ms)
        result["ok"] = status == 200 and answer == plain
        result["within_1s"] = latency_ms <= 1000
        return result
