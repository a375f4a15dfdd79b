"""Browser tier: the built console in headless Chromium over one real local stack.

One stack (with the console service) and one browser per session; each test gets a fresh
browser context. A test fails on any ``console.error``, uncaught page error, failed
request, 4xx/5xx answer under ``/api`` that it did not say it expects, or a raw JSON page.
Every page a test looks at is saved as ``var/screenshots/<test>/<page>.png``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from local_stack import LocalStack, StackConfig
from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DIST = ROOT / "console" / "dist" / "index.html"
SCREENSHOTS = ROOT / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
#: "Who am I" answers 401 to anyone not signed in: the app's normal first question.
ALWAYS_EXPECTED = ((401, "/api/auth/me"),)


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    if not DIST.is_file():
        pytest.fail("the console is not built: run `make console` (make test-browser does)")
    config = StackConfig.ephemeral(log_dir=tmp_path_factory.mktemp("browser-stack-logs"))
    config.extra_env = {
        "LOCAL_SCHEDULE_INTERVAL_S": "0.5",
        "CALLBACK_RETRY_BASE_S": "0.5",
        "CONFIG_KEPT_S": "0",  # what a test saves is used by the next add at once
        # SOP steps go out whatever the hour the suite runs at (22:00-08:00 is quiet)
        "MESSAGE_QUIET_HOURS": "00:00-00:00",  # an empty window: never quiet
    }
    with LocalStack(config) as running:
        yield running


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


# --- the page every test drives ----------------------------------------------------------


@dataclass
class ConsolePage:
    """A Playwright page on the console, collecting everything that went wrong."""

    page: Any
    base: str
    shots: Path
    problems: list[str] = field(default_factory=list)
    expected: list[tuple[int, str]] = field(default_factory=lambda: list(ALWAYS_EXPECTED))

    def url(self, path: str = "/") -> str:
        return self.base + path

    def expect_status(self, status: int, path: str) -> None:
        """An answer ``status`` under ``path`` (a prefix, e.g. ``/api/admin/dashboard``) is
        what the test wants, not a failure."""
        self.expected.append((status, path))

    def goto(self, path: str) -> None:
        self.page.goto(self.url(path))

    def shot(self, name: str) -> Path:
        """Save what the person sees now as ``<test>/<name>.png``."""
        self.page.wait_for_load_state("networkidle")
        target = self.shots / f"{name}.png"
        self.page.screenshot(path=str(target), full_page=True)
        return target

    # listeners ------------------------------------------------------------------------

    def on_console(self, message: Any) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console.error: {message.text}")

    def on_page_error(self, error: Any) -> None:
        self.problems.append(f"page error: {error}")

    def on_request_failed(self, request: Any) -> None:
        failure = request.failure or ""
        if "ERR_ABORTED" not in failure:  # a navigation cancels what the last page fetched
            self.problems.append(f"request failed: {request.method} {request.url} {failure}")

    def on_response(self, response: Any) -> None:
        path = urlsplit(response.url).path
        if response.url.startswith(self.base) and path.startswith("/api/"):
            status = response.status
            if status >= 400 and not any(
                status == want and path.startswith(prefix) for want, prefix in self.expected
            ):
                self.problems.append(f"{status} from {response.request.method} {path}")
        if response.request.is_navigation_request() and response.request.frame.parent_frame is None:
            kind = response.headers.get("content-type", "")
            if "json" in kind and not 300 <= response.status < 400:
                self.problems.append(f"a raw JSON page at {response.url}")


def _test_folder(node: pytest.Item) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", node.name)
    folder = SCREENSHOTS / f"{Path(str(node.fspath)).stem}.{name}"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


def open_page(browser: Any, stack: LocalStack, shots: Path, **context: Any) -> ConsolePage:
    ctx = browser.new_context(
        viewport=context.pop("viewport", DESKTOP),
        locale="zh-CN",
        reduced_motion="reduce",  # charts drawn at once: screenshots show them whole
        **context,
    )
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    console = ConsolePage(page, stack.config.console_url, shots)
    page.on("console", console.on_console)
    page.on("pageerror", console.on_page_error)
    page.on("requestfailed", console.on_request_failed)
    page.on("response", console.on_response)
    return console


@pytest.fixture
def console(
    browser: Any, stack: LocalStack, request: pytest.FixtureRequest
) -> Iterator[ConsolePage]:
    """A desktop-sized (1280×800) page on the console; the test fails on anything wrong."""
    opened = open_page(browser, stack, _test_folder(request.node))
    yield opened
    opened.page.context.close()
    assert opened.problems == [], "\n".join(opened.problems)


@pytest.fixture
def phone(browser: Any, stack: LocalStack, request: pytest.FixtureRequest) -> Iterator[ConsolePage]:
    """A phone-sized (390×844) page on the console."""
    opened = open_page(browser, stack, _test_folder(request.node), viewport=PHONE, is_mobile=True)
    yield opened
    opened.page.context.close()
    assert opened.problems == [], "\n".join(opened.problems)


# --- signing in through the simulated WeCom login ------------------------------------------


class People:
    """Grants console access through the CLI (``python -m cli users grant``), once each."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.granted: dict[str, str] = {}

    def grant(self, userid: str, role: str) -> None:
        if self.granted.get(userid) == role:
            return
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "cli",
                "users",
                "grant",
                userid,
                "--role",
                role,
                "--scope",
                "all",
            ],
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", **self.stack.config.app_env()},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        self.granted[userid] = role


@pytest.fixture(scope="package")
def people(stack: LocalStack) -> People:
    return People(stack)


#: The simulator's corp members (``wecom_simulator.state.DEFAULT_STAFF``), one per role so
#: that a change of role never races another test's session (``zhaoliu`` is added by the
#: test that needs a staff member).
MEMBERS = {"admin": "zhangsan", "operator": "lisi", "viewer": "wangwu", "staff": "zhaoliu"}


def sign_in(console: ConsolePage, people: People, role: str, next_path: str = "/") -> str:
    """Sign in as the member holding ``role``: the console's sign-in page, "Sign in with
    WeCom", the simulated WeCom login page, the member's name; back on ``next_path``."""
    userid = MEMBERS[role]
    people.grant(userid, role)
    page = console.page
    console.goto(f"/signin?next={next_path}")
    page.click("[data-test=wecom-login]")
    page.wait_for_selector(f"a.member[data-userid={userid}]")
    page.click(f"a.member[data-userid={userid}]")
    page.wait_for_url(lambda url: urlsplit(url).path == urlsplit(next_path).path)
    page.wait_for_selector("[data-test=sign-out]")
    return userid


# --- the simulator and the API ---------------------------------------------------------------


def sim(stack: LocalStack, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        f"{stack.config.simulator_url}/_sim/{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def admin_call(stack: LocalStack, method: str, path: str, body: Any = None) -> Any:
    """An admin route called with a bearer token, as a script or a shop would."""
    from chalicelib.auth.tokens import mint

    token = mint("browser-tests", "admin", key=stack.config.admin_jwt_secret)
    request = urllib.request.Request(
        f"{stack.config.api_url}{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        payload = answer.read()
    return json.loads(payload) if payload else None


def admin_get(stack: LocalStack, path: str) -> Any:
    return admin_call(stack, "GET", path)
