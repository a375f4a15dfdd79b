"""Sign-in on the real local stack, over HTTP with cookies, through the simulator's WeCom
login page; data scopes, revocation and a member disabled in WeCom, as a person sees them.

The console's origin (CONSOLE_URL) proxies ``/api/*`` to the API; here the browser does
that itself: a redirect to ``<CONSOLE_URL>/api/...`` is followed to ``<API>/...``.
Cookies are per host, not per port, so the jar sends them to the API as it would to the
console's origin.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
import requests

from local_stack import LocalStack
from local_stack.stack import ROOT

REVOKED_WITHIN_S = 60


class Browser:
    """A browser tab: a cookie jar, redirects followed by hand (so the console proxy can be
    played), and the CSRF header the console sends on writes."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.session = requests.Session()
        self.pages: list[str] = []

    def _url(self, url: str) -> str:
        console_api = f"{self.stack.config.console_url}/api"
        if url.startswith(console_api):
            return self.stack.config.api_url + url[len(console_api) :]
        if url.startswith("/"):
            return self.stack.config.api_url + url
        return url

    def open(self, url: str) -> requests.Response:
        """GET ``url`` and follow redirects; stops at a page or a relative console path."""
        for _ in range(10):
            response = self.session.get(self._url(url), allow_redirects=False, timeout=30)
            self.pages.append(f"{response.status_code} {url}")
            location = response.headers.get("Location")
            if response.status_code != 302 or not location:
                return response
            if location.startswith("/") and not location.startswith("/api/"):
                response.console_path = location  # type: ignore[attr-defined]
                return response
            url = location
        raise AssertionError(f"too many redirects: {self.pages}")

    def sign_in(self, userid: str, next_path: str = "/") -> requests.Response:
        page = self.open(f"/auth/wecom/login?next={next_path}")
        assert page.status_code == 200 and "企业微信登录" in page.text, self.pages
        links = dict(re.findall(r"data-userid='([^']+)' href='([^']+)'", page.text))
        assert userid in links, (userid, list(links))
        return self.open(f"{self.stack.config.simulator_url}{unescape(links[userid])}")

    def call(self, method: str, path: str, body: Any = None, *, csrf: bool = True) -> Any:
        headers = {"Content-Type": "application/json"}
        token = self.session.cookies.get("scrm_csrf")
        if csrf and token:
            headers["X-CSRF-Token"] = token
        response = self.session.request(
            method, self._url(path), json=body, headers=headers, timeout=30
        )
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, response.text


def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout_s, f"not within {timeout_s} s: {what}"
        time.sleep(0.5)
    return time.monotonic() - started


def cli(stack: LocalStack, *args: str) -> str:
    env = {**os.environ, **stack.config.app_env()}
    done = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def people(stack: LocalStack, sim: str, http: Any, admin: Any) -> dict[str, str]:
    """The first admin (granted by the CLI) and two customers: one of zhangsan (dept 1),
    one of wangwu (dept 2); returns customer -> follower."""
    for userid in ("zhangsan", "lisi", "wangwu", "lead2"):
        admin("DELETE", f"/admin/people/{userid}")
    http("POST", f"{sim}/_sim/staff", {"userid": "lead2", "name": "二组长", "department": [2]})
    assert "granted zhangsan: admin" in cli(
        stack, "users", "grant", "zhangsan", "--role", "admin", "--scope", "all"
    )
    customers = {}
    for userid in ("zhangsan", "wangwu"):
        _, added = http(
            "POST", f"{sim}/_sim/customers/add", {"userid": userid, "name": f"客户{userid}"}
        )
        customers[added["external_userid"]] = userid
    for customer in customers:
        wait_until(
            lambda c=customer: admin("GET", f"/admin/contacts/{c}")[0] == 200,
            60,
            f"contact {customer} stored",
        )
    return customers


def test_a_person_signs_in_through_wecom_and_uses_the_admin_api(
    stack: LocalStack, people: dict[str, str]
) -> None:
    browser = Browser(stack)
    landed = browser.sign_in("zhangsan", "/people")
    assert getattr(landed, "console_path", None) == "/people", browser.pages
    assert browser.session.cookies.get("scrm_session")
    status, me = browser.call("GET", "/auth/me")
    assert status == 200 and me["userid"] == "zhangsan" and me["name"] == "张三"
    assert me["role"] == "admin" and me["scope"]["kind"] == "all"

    status, _ = browser.call("PUT", "/admin/people/wangwu", {"role": "staff"}, csrf=False)
    assert status == 403
    status, granted = browser.call("PUT", "/admin/people/wangwu", {"role": "staff"})
    assert status == 200 and granted["scope"]["kind"] == "own"
    status, listed = browser.call("GET", "/admin/people")
    assert status == 200 and {"zhangsan", "wangwu"} <= {p["userid"] for p in listed["items"]}
    status, _ = browser.call("POST", "/auth/logout")
    assert status == 204
    assert browser.call("GET", "/auth/me")[0] == 401


def test_staff_see_their_own_customers_and_a_lead_their_departments(
    stack: LocalStack, people: dict[str, str]
) -> None:
    admin = Browser(stack)
    admin.sign_in("zhangsan")
    assert admin.call("PUT", "/admin/people/wangwu", {"role": "staff", "scope": "own"})[0] == 200
    lead_grant = {"role": "viewer", "scope": "departments", "departments": [2]}
    assert admin.call("PUT", "/admin/people/lead2", lead_grant)[0] == 200
    theirs = next(c for c, u in people.items() if u == "wangwu")
    other = next(c for c, u in people.items() if u == "zhangsan")

    staff = Browser(stack)
    staff.sign_in("wangwu")
    for path in ("", "/orders", "/points", "/timeline"):
        assert staff.call("GET", f"/admin/contacts/{theirs}{path}")[0] == 200, path
        status, refused = staff.call("GET", f"/admin/contacts/{other}{path}")
        assert status == 403 and refused["error"] == "scope_required", path
    status, listed = staff.call("GET", "/admin/staff/wangwu/contacts")
    shown = {r["external_userid"] for r in listed["items"]}
    assert status == 200 and theirs in shown and other not in shown
    assert staff.call("GET", "/admin/staff/zhangsan/contacts")[0] == 403

    lead = Browser(stack)
    lead.sign_in("lead2")
    assert lead.call("GET", f"/admin/contacts/{theirs}")[0] == 200
    assert lead.call("GET", f"/admin/contacts/{other}")[0] == 403
    assert lead.call("GET", "/admin/staff/wangwu/contacts")[0] == 200
    status, refused = lead.call("GET", "/admin/groups")
    assert status == 403 and refused["error"] == "scope_required"


def test_a_revoked_person_is_refused_within_a_minute(
    stack: LocalStack, people: dict[str, str]
) -> None:
    admin = Browser(stack)
    admin.sign_in("zhangsan")
    assert admin.call("PUT", "/admin/people/wangwu", {"role": "viewer", "scope": "all"})[0] == 200
    person = Browser(stack)
    person.sign_in("wangwu")
    assert person.call("GET", "/auth/me")[0] == 200
    assert admin.call("DELETE", "/admin/people/wangwu")[0] == 200
    took = wait_until(
        lambda: person.call("GET", "/auth/me")[0] == 401, REVOKED_WITHIN_S, "revoked refused"
    )
    assert took < REVOKED_WITHIN_S


def test_a_member_disabled_in_wecom_is_refused_without_anyone_acting(
    stack: LocalStack, sim: str, http: Any, people: dict[str, str]
) -> None:
    admin = Browser(stack)
    admin.sign_in("zhangsan")
    assert admin.call("PUT", "/admin/people/lisi", {"role": "viewer", "scope": "all"})[0] == 200
    person = Browser(stack)
    person.sign_in("lisi")
    assert person.call("GET", "/auth/me")[0] == 200
    status, _ = http("POST", f"{sim}/_sim/members/disable", {"userid": "lisi"})
    assert status == 200
    wait_until(
        lambda: person.call("GET", "/auth/me")[0] == 401, REVOKED_WITHIN_S, "disabled refused"
    )
    again = Browser(stack)
    page = again.open("/auth/wecom/login")
    assert "lisi" not in page.text  # WeCom's page no longer offers a disabled member


def test_refusals_over_http_have_one_shape(
    stack: LocalStack, people: dict[str, str], http: Any, admin: Any
) -> None:
    api = stack.config.api_url
    status, body = http("GET", f"{api}/admin/people")
    assert status == 401 and body["error"] == "unauthenticated" and body["message"]
    status, body = http(
        "GET", f"{api}/admin/people", headers={"Authorization": "Bearer not-a-token"}
    )
    assert status == 401 and body["error"] == "invalid_token" and body["message"]
    status, body = admin("GET", "/admin/people", role="viewer")
    assert status == 403 and body["error"] == "role_required" and body["message"]


def test_a_reused_code_or_a_wrong_state_gets_a_page_not_a_500(
    stack: LocalStack, sim: str, http: Any, people: dict[str, str]
) -> None:
    browser = Browser(stack)
    page = browser.open("/auth/wecom/login")
    link = unescape(re.findall(r"href='(/wwlogin/sso/choose[^']+)'", page.text)[0])
    chosen = requests.get(f"{sim}{link}", allow_redirects=False, timeout=30)
    callback = browser._url(chosen.headers["Location"])
    first = browser.session.get(callback, allow_redirects=False, timeout=30)
    assert first.status_code == 302
    replay = Browser(stack)
    replay.open("/auth/wecom/login")
    state = replay.session.cookies.get("scrm_login", "").split(".")[0]
    code = re.search(r"code=([^&]+)", callback).group(1)  # type: ignore[union-attr]
    again = replay.session.get(
        f"{stack.config.api_url}/auth/wecom/callback?code={code}&state={state}", timeout=30
    )
    assert again.status_code == 401 and "already used" in again.text
    assert again.headers["Content-Type"].startswith("text/html")
    replay.open("/auth/wecom/login")  # a refusal spends the state: start again
    wrong = replay.session.get(
        f"{stack.config.api_url}/auth/wecom/callback?code=x&state=forged", timeout=30
    )
    assert wrong.status_code == 401 and "does not belong" in wrong.text
