"""What the live-code and customer browser tests share: admin calls to the API, a scan of a
live code and a customer adding the member it was routed to (through the simulator)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from local_stack import LocalStack
from tests.browser.conftest import sim


def admin_call(stack: LocalStack, method: str, path: str, body: Any = None) -> Any:
    from chalicelib.auth.tokens import mint

    token = mint("browser-tests", "admin", key=stack.config.admin_jwt_secret)
    request = urllib.request.Request(
        f"{stack.config.api_url}{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        text = answer.read()
        return json.loads(text) if text else None


def put_code(stack: LocalStack, code: str, body: dict[str, Any]) -> Any:
    """PUT a live code, again on a 503 (the stack's WeCom timeout is short on a busy
    machine, and a PUT is safe to repeat)."""
    for attempt in range(3):
        try:
            return admin_call(stack, "PUT", f"/admin/live-codes/{code}", body)
        except urllib.error.HTTPError as error:
            if error.code != 503 or attempt == 2:
                raise
    raise AssertionError("unreachable")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def scan_and_add(stack: LocalStack, code: str, channel: str, name: str) -> dict[str, Any]:
    """A customer scans ``/l/<code>?c=<channel>`` (the API routes them to a member's QR)
    and adds that member: the simulator takes the state from the member's contact way and
    calls the product back with add_external_contact."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(f"{stack.config.api_url}/l/{code}?c={channel}", timeout=30)
        raise AssertionError("the scan did not redirect")
    except urllib.error.HTTPError as error:
        assert error.code == 302, error.code
        location = error.headers["Location"]
    ways = admin_call(stack, "GET", f"/admin/live-codes/{code}")["ways"]
    [way] = [w for w in ways if w["qr_code"] == location]
    body = {"config_id": way["config_id"], "name": name}
    added: dict[str, Any] = sim(stack, "customers/add", body)
    assert added["state"] == f"lc:{code}:{channel}"
    return added


def pick(page: Any, select: str, option: str) -> None:
    """Choose ``option`` (its visible text) in the Element Plus select ``select``. A list
    that is still loading re-renders its dropdown: open it again until the option is there
    and steady."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(4):
        page.click(select)
        item = page.locator(".el-select-dropdown__item:visible", has_text=option).first
        try:
            item.click(timeout=4000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    raise AssertionError(f"no option {option!r} in {select}")


def wait_for(what: str, check: Callable[[], bool], timeout_s: float = 60) -> None:
    """Until ``check()`` holds (the product processes callbacks asynchronously)."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def contact_known(stack: LocalStack, external_userid: str) -> bool:
    try:
        admin_call(stack, "GET", f"/admin/contacts/{external_userid}")
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return False
        raise
    return True
