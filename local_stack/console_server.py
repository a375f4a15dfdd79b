"""The console service: ``console/dist`` at ``/``, and ``/api/*`` proxied to the API.

Locally this plays CloudFront's part: one origin for the single-page app and the API, the
``/api`` prefix stripped on the way to ``chalice local`` (API Gateway's stage is named
``api``). Requests and answers pass through unchanged (method, headers, cookies, body,
redirects are not followed); hashed assets are cached for a year, ``index.html`` never, and
any other path that is not a file answers ``index.html`` (the app's router decides).

``python -m local_stack.console_server --port 8080 --api-url http://127.0.0.1:8000``
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import mimetypes
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "console" / "dist"
API_PREFIX = "/api"
#: Hop-by-hop headers (RFC 9110 §7.6.1) are the connection's own, never forwarded.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}
IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSIBLE = (".js", ".css", ".html", ".svg", ".json", ".map", ".txt")
NOT_BUILT = (
    "<!doctype html><meta charset=utf-8><title>Console not built</title>"
    "<h1>The console is not built</h1><p>Run <code>make console</code> in the repository "
    "(npm ci and vite build in <code>console/</code>), then reload this page.</p>"
)


class ConsoleHandler(BaseHTTPRequestHandler):
    server: ConsoleServer
    protocol_version = "HTTP/1.1"
    #: Headers and body are two writes: without this, each answer on a kept-alive
    #: connection waits out the browser's delayed ACK (about 40 ms).
    disable_nagle_algorithm = True

    # --- routing ----------------------------------------------------------------------

    def _dispatch(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            self._proxy()
        elif self.command in ("GET", "HEAD"):
            self._static(path)
        else:
            self._answer(405, b"method not allowed", "text/plain; charset=utf-8")

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch

    # --- /api/* → the API ---------------------------------------------------------------

    def _proxy(self) -> None:
        upstream = self.server.api
        target = self.path[len(API_PREFIX) :] or "/"
        if not target.startswith("/"):
            target = "/" + target
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP]
        headers.append(("X-Forwarded-For", self.client_address[0]))
        headers.append(("X-Forwarded-Host", self.headers.get("Host", "")))
        headers.append(("X-Forwarded-Proto", "http"))
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        try:
            connection.putrequest(self.command, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                connection.putheader(name, value)
            if body is not None and not any(k.lower() == "content-length" for k, _ in headers):
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            answer = connection.getresponse()
            payload = answer.read()
        except OSError as error:
            self._answer(
                502,
                json.dumps({"error": "api_unreachable", "message": f"no answer: {error}"}).encode(),
                "application/json",
            )
            return
        finally:
            connection.close()
        self.send_response(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    # --- everything else → console/dist ---------------------------------------------------

    def _static(self, path: str) -> None:
        dist = self.server.dist
        index = dist / "index.html"
        if not index.is_file():
            self._answer(503, NOT_BUILT.encode(), "text/html; charset=utf-8", cache="no-store")
            return
        relative = urllib.parse.unquote(path).lstrip("/")
        candidate = (dist / relative).resolve() if relative else index
        inside = candidate == dist or dist in candidate.parents
        if inside and candidate.is_file():
            hashed = relative.startswith("assets/")
            self._file(candidate, IMMUTABLE if hashed else "no-cache")
        elif relative.startswith("assets/") or not inside:
            self._answer(404, b"not found", "text/plain; charset=utf-8")
        else:
            self._file(index, "no-cache")  # the app's own route: its router answers

    def _file(self, path: Path, cache: str) -> None:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
            kind += "; charset=utf-8"
        data = path.read_bytes()
        encoding = None
        if path.suffix in COMPRESSIBLE and "gzip" in self.headers.get("Accept-Encoding", ""):
            data = self.server.compressed(path, data)
            encoding = "gzip"
        self._answer(200, data, kind, cache=cache, encoding=encoding)

    def _answer(
        self,
        status: int,
        data: bytes,
        kind: str,
        *,
        cache: str = "no-store",
        encoding: str | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", cache)
        self.send_header("X-Content-Type-Options", "nosniff")
        if encoding:
            self.send_header("Content-Encoding", encoding)
            self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"console {self.command} {self.path} {args[1] if len(args) > 1 else ''}\n")


class ConsoleServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], api_url: str, dist: Path = DIST) -> None:
        super().__init__(address, ConsoleHandler)
        self.api = urllib.parse.urlsplit(api_url)
        self.dist = dist.resolve()
        self._gzipped: dict[tuple[Path, float], bytes] = {}
        self._lock = threading.Lock()

    def compressed(self, path: Path, data: bytes) -> bytes:
        key = (path, path.stat().st_mtime)
        with self._lock:
            if key not in self._gzipped:
                self._gzipped[key] = gzip.compress(data, compresslevel=6)
            return self._gzipped[key]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--dist", type=Path, default=DIST)
    args = parser.parse_args(argv)
    server = ConsoleServer((args.host, args.port), args.api_url, args.dist)
    if not (args.dist / "index.html").is_file():
        print(f"console: {args.dist} is not built; run `make console`", flush=True)
    print(f"console: serving {args.dist} on http://{args.host}:{args.port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
