"""The local stack's HTTP servers answer a kept-alive connection at once.

The WeCom simulator, ``chalice local`` (the API) and the console's server speak HTTP/1.1
and write each answer's headers and body apart. With Nagle's algorithm on, the body of
every answer on a reused connection waited for the client's delayed ACK: about 40 ms per
WeCom call in every test, demo and benchmark (the app's WeCom client and the browser keep
their connections; a first cold stream batch paid it once). The servers set
``TCP_NODELAY``.

Measured for each server: one request on a connection kept from the request before.
Floor: the same request on a new connection each time (a TCP handshake more, no wait).
Both in this process, interleaved; goal <= 1.5x (kept-alive is usually the cheaper; the
stall made it about 20x).
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from benchmarks.harness import Figure, interleaved, on_local_stack

ROUNDS = 60
GOAL = 1.5


def run() -> list[Figure]:
    return on_local_stack(_measure, services=("dynamodb", "simulator", "api", "console"))


def _measure(stack: Any) -> list[Figure]:
    config = stack.config
    targets = {
        "WeCom simulator": f"{config.simulator_url}/cgi-bin/gettoken?corpid=ww&corpsecret=x",
        "API (chalice local)": f"{config.api_url}/health",
        "console server": f"{config.console_url}/index.html",
    }
    return [_figure(name, url) for name, url in targets.items()]


def _figure(name: str, url: str) -> Figure:
    parts = urlsplit(url)
    path = f"{parts.path}?{parts.query}" if parts.query else parts.path
    kept = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)

    def request(connection: http.client.HTTPConnection) -> Callable[[], float]:
        def timed() -> float:
            started = time.perf_counter()
            connection.request("GET", path)
            answer = connection.getresponse()
            answer.read()
            if answer.status >= 500:
                raise RuntimeError(f"{url} answered {answer.status}")
            return (time.perf_counter() - started) * 1000

        return timed

    def fresh() -> float:
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        try:
            return request(connection)()
        finally:
            connection.close()

    request(kept)()  # open it
    try:
        measured, floor = interleaved(request(kept), fresh, ROUNDS)
    finally:
        kept.close()
    return Figure(
        f"{name}: a request on a kept-alive connection",
        measured,
        floor,
        GOAL,
        "the same on a new connection",
        ROUNDS,
    )


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run()))
