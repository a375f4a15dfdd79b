"""A scripted WeCom at the ``requests`` transport level: no sockets, every call recorded.

Mounted on a client's ``_http`` session, it answers gettoken with numbered tokens and any
other path from a per-path script of answers (a dict body, an errcode, an HTTP status or an
exception to raise), then ``{"errcode": 0}``. Tokens it never issued, or that
:meth:`FakeWeCom.expire_tokens` ended, are refused with 42001 like WeCom does.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter

API_BASE = "https://wecom.test/cgi-bin/"


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    timeout: Any


@dataclass(frozen=True)
class Http:
    """An answer with a bare HTTP status (WeCom itself always answers 200)."""

    status: int


Answer = dict[str, Any] | int | Http | BaseException


@dataclass
class FakeWeCom(BaseAdapter):
    calls: list[Call] = field(default_factory=list)
    scripts: dict[str, deque[Answer]] = field(default_factory=lambda: defaultdict(deque))
    always: dict[str, Answer] = field(default_factory=dict)
    valid_tokens: set[str] = field(default_factory=set)
    issued: int = 0
    check_tokens: bool = True

    def __post_init__(self) -> None:
        super().__init__()

    # --- scripting -----------------------------------------------------------------------

    def on(self, path: str, *answers: Answer) -> FakeWeCom:
        """Answer the next calls to ``path`` with ``answers``, in order."""
        self.scripts[path].extend(answers)
        return self

    def forever(self, path: str, answer: Answer) -> FakeWeCom:
        """Answer every call to ``path`` (after its script) with ``answer``."""
        self.always[path] = answer
        return self

    def expire_tokens(self) -> None:
        self.valid_tokens.clear()

    def to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]

    @property
    def gettoken_calls(self) -> int:
        return len(self.to("gettoken"))

    # --- the transport -------------------------------------------------------------------

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        path = parts.path.removeprefix("/cgi-bin/")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        raw = request.body
        body = json.loads(raw) if isinstance(raw, bytes | str) and raw else None
        self.calls.append(Call(request.method or "", path, query, body, timeout))

        answer: Answer | None = None
        if self.scripts[path]:
            answer = self.scripts[path].popleft()
        elif path in self.always:
            answer = self.always[path]
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, Http):
            return _response(request, {"errmsg": "http"}, answer.status)
        if isinstance(answer, int):
            return _response(request, {"errcode": answer, "errmsg": f"scripted {answer}"})
        if answer is not None:
            return _response(request, answer)
        if path == "gettoken":
            self.issued += 1
            token = f"TOKEN-{self.issued:04d}-SECRETLIKE"
            self.valid_tokens.add(token)
            body_out = {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
            return _response(request, body_out)
        if self.check_tokens and query.get("access_token") not in self.valid_tokens:
            return _response(request, {"errcode": 42001, "errmsg": "access_token expired"})
        return _response(request, {"errcode": 0, "errmsg": "ok"})

    def close(self) -> None:
        return None


def _response(
    request: requests.PreparedRequest, body: dict[str, Any], status: int = 200
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json"
    response.request = request
    response.url = request.url or ""
    return response


def mount(client: Any, fake: FakeWeCom | None = None) -> FakeWeCom:
    """Route every request of ``client`` to ``fake`` (a new one by default)."""
    fake = fake or FakeWeCom()
    client._http.mount("https://", fake)
    client._http.mount("http://", fake)
    return fake
