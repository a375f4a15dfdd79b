"""Sign-in for tests: grant a member, go through the WeCom callback, keep the cookies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

CONSOLE_URL = "https://console.test"


def set_cookies(response: Any) -> dict[str, str]:
    """``{name: value}`` of every Set-Cookie header of a Chalice test client response."""
    raw = response.headers.get("Set-Cookie") or response.headers.get("set-cookie") or []
    headers = raw if isinstance(raw, list) else [raw]
    found = {}
    for header in headers:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def set_cookie_headers(response: Any) -> list[str]:
    raw = response.headers.get("Set-Cookie") or response.headers.get("set-cookie") or []
    return raw if isinstance(raw, list) else [raw]


def grant(
    userid: str, role: str = "admin", scope: str = "all", departments: Sequence[int] = ()
) -> None:
    from chalicelib.identity import service
    from chalicelib.identity.models import Grant

    service.grant(
        userid,
        Grant(role=role, scope=scope, departments=list(departments)),  # type: ignore[arg-type]
        granted_by="test",
    )


@dataclass
class Browser:
    """The cookies a browser keeps for the console's origin."""

    client: Any
    cookies: dict[str, str]

    def headers(self, *, csrf: bool = True, **extra: str) -> dict[str, str]:
        jar = "; ".join(f"{k}={v}" for k, v in self.cookies.items() if v)
        headers = {"Cookie": jar, "Content-Type": "application/json", **extra}
        if csrf and self.cookies.get("scrm_csrf"):
            headers["X-CSRF-Token"] = self.cookies["scrm_csrf"]
        return headers

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.http.get(path, headers=self.headers(**kwargs))

    def send(self, method: str, path: str, body: bytes = b"{}", **kwargs: Any) -> Any:
        return self.client.http.request(method, path, headers=self.headers(**kwargs), body=body)


def start_login(client: Any, next_path: str = "/") -> tuple[str, str]:
    """``(state, login cookie)`` of a new sign-in."""
    response = client.http.get(f"/auth/wecom/login?next={next_path}")
    assert response.status_code == 302, response.body
    state = parse_qs(urlsplit(response.headers["Location"]).query)["state"][0]
    return state, set_cookies(response)["scrm_login"]


def callback(client: Any, code: str, state: str, login_cookie: str) -> Any:
    return client.http.get(
        f"/auth/wecom/callback?code={code}&state={state}",
        headers={"Cookie": f"scrm_login={login_cookie}"},
    )


def sign_in(client: Any, wecom: Any, userid: str, next_path: str = "/") -> Browser:
    state, login_cookie = start_login(client, next_path)
    response = callback(client, wecom.login_code(userid), state, login_cookie)
    assert response.status_code == 302, response.body
    return Browser(client, set_cookies(response))
