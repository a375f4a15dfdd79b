"""The demo's client: HTTP to the API and the WeCom simulator, admin tokens, waiting for an
event to be processed, and how each step is printed."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from local_stack.stack import LocalStack

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Demo:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.api = stack.config.api_url
        self.sim = stack.config.simulator_url
        self._tokens: dict[str, str] = {}
        self._pointed = False

    # --- HTTP -----------------------------------------------------------------------------

    def call(self, method: str, url: str, body: Any = None, role: str | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if role is not None:
            headers["Authorization"] = f"Bearer {self.token(role)}"
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise SystemExit(f"{method} {url} -> {error.code}: {error.read()[:300]!r}") from error
        return json.loads(raw) if raw else None

    def token(self, role: str) -> str:
        if role not in self._tokens:
            from chalicelib.auth.tokens import mint

            self._tokens[role] = mint("demo", role, key=self.stack.config.admin_jwt_secret)  # type: ignore[arg-type]
        return self._tokens[role]

    def sim_calls(self, path: str, *, succeeded: bool = True) -> list[dict[str, Any]]:
        """WeCom API calls the app made, as the simulator logged them."""
        calls = self.call("GET", f"{self.sim}/_sim/log?path={path}")
        if not succeeded:
            return list(calls)
        return [c for c in calls if c["status"] == 200 and c["answer"].get("errcode") == 0]

    def stored_event(self, xml: str) -> Any:
        """The inbox row of a pushed event, read from DynamoDB Local by its dedupe key."""
        from chalicelib.callbacks import store
        from chalicelib.core.settings import reset_settings
        from chalicelib.wecom.inbound import parse_event

        if not self._pointed:  # models bind to the process's settings: the stack's
            os.environ.update(self.stack.config.app_env())
            os.environ.update(self.stack.config.aws_env())
            reset_settings()
            self._pointed = True
        model = store.CallbackEventModel
        try:
            return model.get(parse_event(xml).key, consistent_read=True)
        except model.DoesNotExist:
            return None

    def until(self, what: str, check: Callable[[], Any], timeout_s: float = 20) -> Any:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(0.2)
        raise SystemExit(f"timed out waiting for {what}")

    def processed(self, xml: str) -> Any:
        return self.until(
            "the event to be processed",
            lambda: (e := self.stored_event(xml)) is not None and e.status == "processed" and e,
        )

    def scan(self, code: str, channel: str) -> str:
        """A phone opening the printed link: the redirect's Location, not followed."""
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(f"{self.api}/l/{code}?c={channel}", timeout=30) as answer:
                raise SystemExit(f"/l/{code} answered {answer.status} instead of a redirect")
        except urllib.error.HTTPError as error:
            if error.code != 302:
                raise SystemExit(f"/l/{code} answered {error.code}") from error
            return str(error.headers["Location"])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def step(number: int, title: str) -> None:
    print(f"\n{number}. {title}", flush=True)


def say(text: str) -> None:
    print(f"   {text}", flush=True)
