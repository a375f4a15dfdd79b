"""The dashboard: figures after customers were added through WeCom, the roles' buttons, the
language switch and a phone-sized screen."""

from __future__ import annotations

import time

from local_stack import LocalStack
from tests.browser.conftest import ConsolePage, People, admin_call, admin_get, sign_in, sim


def todays_new_contacts(stack: LocalStack) -> int:
    return int(admin_get(stack, "/admin/dashboard?days=1")["figures"]["new_contacts"])


def wait_for_new_contacts(stack: LocalStack, at_least: int, timeout_s: float = 30) -> int:
    deadline = time.monotonic() + timeout_s
    while True:
        count = todays_new_contacts(stack)
        if count >= at_least or time.monotonic() > deadline:
            return count
        time.sleep(0.2)


WELCOME_PLAN = {
    "name": "新客欢迎",
    "trigger": {"kind": "contact_added", "channels": ["browser"]},
    "steps": [{"id": "d0", "name": "当天问候", "delay_minutes": 0, "content": {"text": "欢迎！"}}],
    "exit_on": ["order", "deleted"],
}


def test_the_dashboard_shows_the_customers_added_today(
    console: ConsolePage, people: People, stack: LocalStack
) -> None:
    before = todays_new_contacts(stack)
    admin_call(stack, "PUT", "/admin/sop/plans/browser-welcome", WELCOME_PLAN)
    for n in range(3):
        sim(stack, "customers/add", {"userid": "zhangsan", "name": f"Browser customer {n}"})
    count = wait_for_new_contacts(stack, before + 3)
    assert count >= before + 3, "the adds did not reach the daily counters"

    page = console.page
    sign_in(console, people, "viewer")
    page.click("[data-days='1']")
    figure = page.locator("[data-figure=new_contacts] [data-test=value]")
    figure.filter(has_text=str(count)).wait_for()
    page.locator("[data-test=chart] canvas").first.wait_for()
    assert page.locator("[data-test=empty]").count() == 0
    page.locator(".plan-name", has_text="新客欢迎").wait_for()
    console.shot("today")
    page.click("[data-days='30']")
    start = admin_get(stack, "/admin/dashboard?days=30")["start"]
    page.locator("[data-test=period]").filter(has_text=f"{start} 至").wait_for()
    console.shot("30-days")


def test_a_viewer_sees_no_write_buttons_an_operator_generates_the_report(
    browser: object, console: ConsolePage, people: People
) -> None:
    page = console.page
    sign_in(console, people, "viewer")
    page.wait_for_selector("[data-figure=new_contacts]")
    assert page.locator("[data-test=generate-report]").count() == 0
    console.shot("viewer")

    page.click("[data-test=sign-out]")
    page.wait_for_url("**/signin")
    sign_in(console, people, "operator")
    button = page.locator("[data-test=generate-report]")
    button.click()
    page.locator(".el-message--success").wait_for()
    assert "日报已生成" in page.locator(".el-message--success").inner_text()
    console.shot("operator")


def test_the_language_switch_is_kept_across_visits(console: ConsolePage, people: People) -> None:
    page = console.page
    sign_in(console, people, "viewer")
    assert page.locator("h1.title").inner_text() == "数据概览"
    page.click("[data-test=language]")
    page.click("[data-locale=en]")
    page.locator("h1.title").filter(has_text="Dashboard").wait_for()
    assert page.locator("[data-figure=new_contacts]").inner_text().startswith("New contacts")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.reload()
    page.locator("h1.title").filter(has_text="Dashboard").wait_for()
    assert page.locator("[data-test=sign-out]").inner_text() == "Sign out"
    console.shot("english")


def test_the_dashboard_reads_on_a_phone(phone: ConsolePage, people: People) -> None:
    page = phone.page
    sign_in(phone, people, "viewer")
    page.wait_for_selector("[data-figure=gmv]")
    assert not page.locator(".aside .menu").is_visible()  # the menu is folded away
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width} px)"
    phone.shot("dashboard")
    page.click("button.toggle")
    page.locator("[data-menu='/']").wait_for()
    phone.shot("menu-open")
