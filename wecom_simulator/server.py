"""The HTTP face of the simulator: ``/cgi-bin/*`` (WeCom API), ``/_sim/*`` (control),
``/qr/<config_id>.png`` (QR images of contact and join ways)."""

from __future__ import annotations

import json
import logging
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from wecom_simulator.config import SimConfig
from wecom_simulator.control import Controls
from wecom_simulator.engine import API_PREFIX, Engine
from wecom_simulator.errors import API_NOT_FOUND, BUSY
from wecom_simulator.login import choose, oauth_authorize, web_login
from wecom_simulator.state import World

logger = logging.getLogger("wecom_simulator")
MAX_BODY = 10 * 1024 * 1024
#: The browser-facing sign-in pages (login.work.weixin.qq.com and open.weixin.qq.com).
LOGIN_PAGES = {
    "/wwlogin/sso/login": web_login,
    "/wwlogin/sso/choose": choose,
    "/connect/oauth2/authorize": oauth_authorize,
}


def tiny_png() -> bytes:
    """A valid 1x1 black PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


PNG = tiny_png()


class SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    #: WeCom's front end does not reset connections under a burst; the standard library's
    #: listen backlog of 5 did, for 50 concurrent calls.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], engine: Engine) -> None:
        super().__init__(address, SimRequestHandler)
        self.engine = engine
        self.controls = Controls(engine)


class SimRequestHandler(BaseHTTPRequestHandler):
    server: SimHTTPServer
    protocol_version = "HTTP/1.1"
    #: A response is written as two segments (headers, then body): with Nagle's algorithm
    #: the body waits for the client's delayed ACK, about 40 ms on every reused connection.
    disable_nagle_algorithm = True
    server_version = "wecom-simulator"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    # --- plumbing ------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError("bad Content-Length")
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _json(self, status: int, data: Any) -> None:
        payload = json.dumps(data, ensure_ascii=False, default=str).encode()
        self._send(status, payload, "application/json; charset=utf-8")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        try:
            raw = self._read_body()
            if parts.path.startswith(API_PREFIX):
                self._api(method, parts.path[len(API_PREFIX) :], query, raw)
            elif parts.path.startswith("/_sim/"):
                self._control(method, parts.path[len("/_sim/") :], query, raw)
            elif parts.path.startswith("/qr/") and method == "GET":
                self._qr(parts.path[len("/qr/") :])
            elif parts.path in LOGIN_PAGES and method == "GET":
                status, headers, payload = LOGIN_PAGES[parts.path](self.server.engine, query)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            elif parts.path.startswith("/WW_verify_") and method == "GET":
                self._verify_file(parts.path[1:])
            else:
                self._json(404, {"errcode": API_NOT_FOUND, "errmsg": f"not found: {parts.path}"})
        except Exception:
            logger.exception("request failed: %s %s", method, parts.path)
            self._json(500, {"errcode": BUSY, "errmsg": "simulator internal error"})

    def _api(self, method: str, path: str, query: dict[str, str], raw: bytes) -> None:
        answer = self.server.engine.call_api(method, path, query, raw)
        if answer.drop:
            self.close_connection = True
            return
        self._json(answer.status, answer.payload)

    def _control(self, method: str, path: str, query: dict[str, str], raw: bytes) -> None:
        body: Any = None
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                self._json(400, {"error": "the body is not JSON"})
                return
        status, data = self.server.controls.handle(method, path, body, query)
        self._json(status, data)

    def _verify_file(self, name: str) -> None:
        found = self.server.engine.verify_file
        if found is not None and found[0] == name:
            self._send(200, found[1].encode(), "text/plain; charset=utf-8")
        else:
            self._json(404, {"errcode": API_NOT_FOUND, "errmsg": f"no {name} here"})

    def _qr(self, name: str) -> None:
        config_id = name.removesuffix(".png")
        engine = self.server.engine
        with engine.lock:
            known = config_id in engine.world.contact_ways or config_id in engine.world.join_ways
        if known:
            self._send(200, PNG, "image/png")
        else:
            self._json(404, {"errcode": API_NOT_FOUND, "errmsg": "unknown QR code"})


class Simulator:
    """A WeCom simulator on a background thread (``start``/``stop``) or in the foreground
    (``serve_forever``). Port 0 picks a free port; read it back from ``base_url``."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.engine = Engine(self.config)
        self._server: SimHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def bind(self) -> SimHTTPServer:
        if self._server is None:
            self._server = SimHTTPServer((self.config.host, self.config.port), self.engine)
            port = int(self._server.server_address[1])
            self.engine.base_url = f"http://{self.config.host}:{port}"
        return self._server

    def start(self) -> Simulator:
        server = self.bind()
        self._thread = threading.Thread(
            target=server.serve_forever,
            name="wecom-simulator",
            kwargs={"poll_interval": 0.1},
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.bind().serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.engine.pusher.wait(timeout_s=5)

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- addresses --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self.bind().server_address[1])

    @property
    def base_url(self) -> str:
        self.bind()
        return self.engine.base_url

    @property
    def api_base(self) -> str:
        """What the product's ``WECOM_API_BASE`` should be."""
        return f"{self.base_url}/cgi-bin/"

    # --- Python-side conveniences (same effect as the control routes) -----------------------

    @property
    def world(self) -> World:
        return self.engine.world

    def control(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """Call a ``/_sim/<path>`` route without HTTP."""
        return Controls(self.engine).handle(method, path, body or {}, query or {})

    def reset(self) -> None:
        self.engine.reset()

    def calls(self, path: str | None = None) -> list[dict[str, Any]]:
        return self.engine.calls(path)

    def deliveries(self) -> list[dict[str, Any]]:
        return self.engine.pusher.deliveries()

    def push(self, xml: str, *, url: str | None = None, run_async: bool = False) -> dict[str, Any]:
        return self.engine.push(xml, url=url, run_async=run_async)

    def wait_for_pushes(self, timeout_s: float = 30.0) -> None:
        self.engine.pusher.wait(timeout_s)

    def set_faults(self, rules: list[dict[str, Any]], *, seed: int | None = None) -> None:
        self.engine.faults.set(rules, seed=seed)

    def clear_faults(self) -> None:
        self.engine.faults.clear()

    def expire_tokens(self) -> int:
        return self.engine.tokens.expire_all(self.engine.now())

    def advance_clock(self, seconds: float) -> float:
        self.engine.clock_offset += seconds
        return self.engine.now()

    def now(self) -> float:
        return self.engine.now()
