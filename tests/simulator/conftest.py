"""Simulator tier: the WeCom simulator on a free loopback port, a stdlib HTTP server as
the product's callback receiver, and a tiny JSON client."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from wecom_simulator import SimConfig, Simulator, WeComCrypto
from wecom_simulator.callbacks import envelope_encrypt

CORP_ID = "wwsimtest00000001"
SECRET = "sim-test-secret"
TOKEN = "SimTestToken"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
AGENT_ID = "1000002"

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Reply:
    """How the receiver answers one delivery."""

    status: int = 200
    delay_s: float = 0.0
    body: bytes = b"success"


@dataclass
class Received:
    method: str
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]


@dataclass
class Receiver:
    """The fake product: records every request; answers from ``script`` then ``default``."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    script: list[Reply] = field(default_factory=list)
    default: Reply = field(default_factory=Reply)
    crypto: WeComCrypto = field(default_factory=lambda: WeComCrypto(TOKEN, AES_KEY, CORP_ID))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_reply(self) -> Reply:
        with self.lock:
            return self.script.pop(0) if self.script else self.default

    def posts(self) -> list[Received]:
        return [r for r in self.received if r.method == "POST"]

    def decrypted(self, request: Received) -> str:
        """Verify and decrypt a delivery, as the product would."""
        encrypt = envelope_encrypt(request.body)
        q = request.query
        return self.crypto.decrypt_signed(q["msg_signature"], q["timestamp"], q["nonce"], encrypt)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _record(self) -> Received:
            length = int(self.headers.get("Content-Length") or 0)
            request = Received(
                self.command,
                dict(parse_qsl(urlsplit(self.path).query)),
                self.rfile.read(length) if length else b"",
                dict(self.headers.items()),
            )
            with receiver.lock:
                receiver.received.append(request)
            return request

        def _answer(self, reply: Reply, body: bytes) -> None:
            if reply.delay_s:
                time.sleep(reply.delay_s)
            try:
                self.send_response(reply.status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the simulator gave up waiting

        def do_POST(self) -> None:
            self._record()
            reply = receiver.next_reply()
            self._answer(reply, reply.body)

        def do_GET(self) -> None:
            request = self._record()
            q = request.query
            plain = receiver.crypto.decrypt_signed(
                q["msg_signature"], q["timestamp"], q["nonce"], q["echostr"]
            )
            self._answer(receiver.next_reply(), plain.encode())

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/wecom/callback"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


class Clock:
    """A settable clock for the simulator."""

    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sim_config(receiver: Receiver, clock: Clock) -> SimConfig:
    return SimConfig(
        corp_id=CORP_ID,
        secret=SECRET,
        token=TOKEN,
        encoding_aes_key=AES_KEY,
        agent_id=AGENT_ID,
        port=0,
        callback_url=receiver.url,
        callback_timeout_s=2.0,
        clock=clock,
    )


@pytest.fixture
def sim(sim_config: SimConfig) -> Iterator[Simulator]:
    simulator = Simulator(sim_config).start()
    yield simulator
    simulator.stop()


class Client:
    """JSON over HTTP to the simulator: ``api`` calls carry a token, ``ctl`` hits /_sim."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.token: str | None = None

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with _OPENER.open(request, timeout=10) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, payload

    def gettoken(self, corpid: str = CORP_ID, secret: str = SECRET) -> dict[str, Any]:
        query = urlencode({"corpid": corpid, "corpsecret": secret})
        answer: dict[str, Any] = self.request("GET", f"/cgi-bin/gettoken?{query}")[1]
        return answer

    def login(self) -> str:
        self.token = self.gettoken()["access_token"]
        return self.token

    def api(
        self, path: str, body: Any = None, *, token: str | None = None, **query: Any
    ) -> dict[str, Any]:
        """POST (with a body) or GET ``/cgi-bin/<path>``; logs in on first use."""
        if token is None:
            token = self.token or self.login()
        params = {"access_token": token, **query} if token else dict(query)
        url = f"/cgi-bin/{path}?{urlencode(params)}"
        answer: dict[str, Any] = self.request("POST" if body is not None else "GET", url, body)[1]
        return answer

    def ctl(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = self.request(method, f"/_sim/{path}", body)
        assert status == 200, answer
        return answer


@pytest.fixture
def client(sim: Simulator) -> Client:
    return Client(sim.base_url)
