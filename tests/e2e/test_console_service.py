"""The local console service: the built app at ``/`` and the API under ``/api``, one origin,
as CloudFront serves them in AWS."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from local_stack import LocalStack
from local_stack.console_server import DIST, ConsoleServer


def get(
    base: str, path: str, method: str = "GET", body: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    where = urlsplit(base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


@pytest.fixture
def built() -> Path:
    if not (DIST / "index.html").is_file():
        pytest.fail("the console is not built: run `make console`")
    return DIST


def test_app_routes_answer_the_app_and_hashed_assets_are_cached_for_a_year(
    stack: LocalStack, built: Path
) -> None:
    base = stack.config.console_url
    index = (built / "index.html").read_bytes()
    for path in ("/", "/live-codes", "/callbacks?x=1"):
        status, headers, body = get(base, path)
        assert (status, body) == (200, index), path
        assert headers["Cache-Control"] == "no-cache"
    asset = max((built / "assets").glob("*.js"), key=lambda p: p.stat().st_size)
    status, headers, body = get(base, f"/assets/{asset.name}")
    assert (status, body) == (200, asset.read_bytes())
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Type"].startswith("text/javascript")
    status, headers, body = get(base, f"/assets/{asset.name}", **{"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip" and len(body) < asset.stat().st_size
    assert get(base, "/assets/missing-0000.js")[0] == 404
    assert get(base, "/../../etc/passwd")[0] in (200, 404)  # never outside console/dist
    assert b"root:" not in get(base, "/%2e%2e/%2e%2e/etc/passwd")[2]


def test_api_calls_pass_through_with_the_prefix_stripped(stack: LocalStack, built: Path) -> None:
    base = stack.config.console_url
    direct = get(stack.config.api_url, "/health")
    proxied = get(base, "/api/health")
    assert proxied[0] == direct[0] == 200
    assert proxied[2] == direct[2]
    # refusals, their bodies and the answer's own headers come back unchanged
    status, _, body = get(base, "/api/admin/dashboard")
    assert status == 401 and b'"error"' in body
    status, _, body = get(
        base, "/api/webhooks/orders/generic", "POST", b"{}", **{"Content-Type": "application/json"}
    )
    assert status in (400, 401), body


def test_redirects_are_handed_to_the_browser_not_followed(stack: LocalStack, built: Path) -> None:
    status, headers, _ = get(stack.config.console_url, "/api/auth/wecom/login?next=/")
    assert status == 302
    assert headers["Location"].startswith(f"{stack.config.simulator_url}/wwlogin/sso/login?")
    assert "scrm_login=" in headers.get("Set-Cookie", "")


@pytest.fixture
def unbuilt(tmp_path: Path) -> Iterator[str]:
    server = ConsoleServer(("127.0.0.1", 0), "http://127.0.0.1:9", tmp_path / "dist")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_an_unbuilt_console_says_how_to_build_it(unbuilt: str) -> None:
    status, _, body = get(unbuilt, "/")
    assert status == 503
    assert b"make console" in body
    status, _, body = get(unbuilt, "/api/health")  # the API is not there either
    assert status == 502 and b"api_unreachable" in body
