"""Signing in to the console through WeCom, signing out, and an ended session."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from local_stack import LocalStack
from tests.browser.conftest import ConsolePage, People, sign_in


def test_a_visitor_is_sent_to_sign_in_and_comes_back_signed_in(
    console: ConsolePage, people: People
) -> None:
    page = console.page
    console.goto("/")
    page.wait_for_url("**/signin?next=/")
    button = page.locator("[data-test=wecom-login]")
    assert button.inner_text() == "使用企业微信登录"
    assert button.get_attribute("href") == "/api/auth/wecom/login?next=%2F"
    console.shot("signin")

    sign_in(console, people, "admin")
    assert urlsplit(page.url).path == "/"
    assert "张三" in page.locator("[data-test=who]").inner_text()
    assert "管理员" in page.locator("[data-test=who]").inner_text()
    assert page.locator("[data-menu='/']").is_visible()
    console.shot("dashboard")


def test_signing_out_ends_the_session(console: ConsolePage, people: People) -> None:
    page = console.page
    sign_in(console, people, "viewer")
    # the dashboard has loaded (its calls answered) before the person signs out: a call
    # still on its way would be refused, rightly, once the session has ended
    page.wait_for_load_state("networkidle")
    page.click("[data-test=sign-out]")
    page.wait_for_url("**/signin")
    assert not [c for c in page.context.cookies() if c["name"] == "scrm_session" and c["value"]]
    console.goto("/")
    page.wait_for_url("**/signin?next=/")
    console.shot("signed-out")


def test_an_ended_session_sends_the_person_back_to_sign_in(
    console: ConsolePage, people: People, stack: LocalStack
) -> None:
    page = console.page
    sign_in(console, people, "viewer")
    page.wait_for_selector("[data-figure=new_contacts]")
    # The session ends (expired, revoked) while the page is open: the next call is a 401.
    page.context.clear_cookies()
    console.expect_status(401, "/api/admin/")
    page.click("[data-days='30']")
    page.wait_for_url("**/signin?**")
    query = parse_qs(urlsplit(page.url).query)
    assert query["next"] == ["/"]
    assert query["expired"] == ["1"]
    assert page.get_by_text("登录已过期，请重新登录。").is_visible()
    console.shot("expired")


def test_a_return_path_elsewhere_is_not_followed(console: ConsolePage) -> None:
    console.goto("/signin?next=//evil.example/")
    href = console.page.locator("[data-test=wecom-login]").get_attribute("href")
    assert href == "/api/auth/wecom/login?next=%2F"


def test_a_signed_in_person_skips_the_sign_in_page(console: ConsolePage, people: People) -> None:
    page = console.page
    sign_in(console, people, "viewer")
    assert page.title() == "数据概览 · 私域运营台"
    console.goto("/signin?next=/callbacks")
    page.wait_for_url("**/callbacks")
    page.wait_for_function("document.title === '回调死信 · 私域运营台'")
