"""Return paths after sign-in come from an allow-list; cookies are read leniently."""

from __future__ import annotations

import pytest

from chalicelib.identity.credentials import cookies
from chalicelib.identity.login import safe_next


@pytest.mark.parametrize(
    "path", ["/", "/contacts", "/contacts/wm1?tab=orders", "/people/zhangsan/sessions"]
)
def test_console_paths_are_kept(path: str) -> None:
    assert safe_next(path) == path


@pytest.mark.parametrize(
    "path",
    [
        None,
        "",
        "contacts",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/x",
        "/api/admin/people",
        "/api",
        "/a/../api/x",
        "/x\r\nSet-Cookie: a=b",
        "/" + "a" * 600,
    ],
)
def test_anything_else_goes_home(path: str | None) -> None:
    assert safe_next(path) == "/"


def test_cookies_are_parsed_and_a_malformed_pair_is_skipped() -> None:
    header = 'scrm_session=abc.def; junk; scrm_csrf="tok"; scrm_session=second'
    assert cookies({"cookie": header}) == {"scrm_session": "abc.def", "scrm_csrf": "tok"}
    assert cookies({}) == {}
