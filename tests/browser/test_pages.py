"""The menu follows the person's role: pages they may not open are neither listed nor open."""

from __future__ import annotations

import contextlib
import urllib.error

from local_stack import LocalStack
from tests.browser.conftest import MEMBERS, ConsolePage, People, sign_in, sim


def test_the_dead_letters_page_lists_none_and_shows_requeue_to_operators_only(
    console: ConsolePage, people: People
) -> None:
    page = console.page
    sign_in(console, people, "operator")
    page.click("[data-menu='/callbacks']")
    page.wait_for_url("**/callbacks")
    page.get_by_text("没有死信：每个回调都已处理。").wait_for()
    assert page.locator("th", has_text="操作").count() == 1
    console.shot("operator")

    page.click("[data-test=sign-out]")
    page.wait_for_url("**/signin")
    sign_in(console, people, "viewer", next_path="/callbacks")
    page.get_by_text("没有死信：每个回调都已处理。").wait_for()
    assert page.locator("th", has_text="操作").count() == 0
    console.shot("viewer")


def test_a_staff_member_sees_no_page_they_may_not_open(
    console: ConsolePage, people: People, stack: LocalStack
) -> None:
    with contextlib.suppress(urllib.error.HTTPError):  # already a member from an earlier run
        sim(stack, "members/add", {"userid": MEMBERS["staff"], "name": "赵六", "department": [1]})
    page = console.page
    sign_in(console, people, "staff", next_path="/forbidden")
    console.goto("/")
    page.wait_for_url("**/forbidden?from=/")
    page.locator(".el-result__title", has_text="没有权限").wait_for()
    assert page.locator("[data-menu]").count() == 0
    console.shot("not-allowed")
