"""Broadcasts in the console: composed to customer groups, then read as results."""

from __future__ import annotations

import pytest

from local_stack import LocalStack
from tests.browser.conftest import ConsolePage, People, admin_get, sign_in, sim
from tests.browser.test_welcome import wait_for

pytestmark = pytest.mark.browser


def test_an_operator_broadcasts_to_a_group_and_reads_the_results(
    console: ConsolePage, people: People, stack: LocalStack
) -> None:
    created = sim(
        stack, "groups/create", {"owner": "lisi", "name": "双十二福利群", "members": ["wmBcA"]}
    )
    chat_id = created["chat_id"]
    assert wait_for(
        lambda: (
            chat_id in {g["chat_id"] for g in admin_get(stack, "/admin/groups?limit=200")["items"]}
        )
    )

    page = console.page
    sign_in(console, people, "operator", "/broadcasts")
    console.shot("list")
    page.click("[data-test=broadcast-add]")
    page.wait_for_url("**/broadcasts/new")
    page.fill("input[data-test=broadcast-name], [data-test=broadcast-name] input", "双十二预告")
    page.fill("input[data-test=broadcast-id], [data-test=broadcast-id] input", "bt-d12")
    page.click("[data-kind=groups]")
    page.click("[data-test=audience-groups] .el-select__wrapper")
    page.locator(".el-select-dropdown__item").get_by_text("双十二福利群").click()
    page.keyboard.press("Escape")
    page.locator("textarea[data-test=message-text], [data-test=message-text] textarea").fill(
        "双十二当天全场 8 折！"
    )
    assert page.locator("[data-test=preview-text]").inner_text() == "双十二当天全场 8 折！"
    console.shot("compose")

    page.click("[data-test=send]")
    page.wait_for_url("**/broadcasts/bt-d12")
    page.locator("[data-test=recipients]").wait_for()
    assert page.locator("[data-test=recipients]").inner_text() == "1"
    page.locator("[data-test=broadcast-results] [data-figure=targeted]").wait_for()
    console.shot("results")
    report = admin_get(stack, "/admin/broadcasts/bt-d12")
    assert report["target"] == "group" and report["audience"]["chat_ids"] == [chat_id]


def test_an_empty_audience_is_refused_on_the_audience(console: ConsolePage, people: People) -> None:
    page = console.page
    sign_in(console, people, "operator", "/broadcasts/new")
    page.fill("input[data-test=broadcast-name], [data-test=broadcast-name] input", "空")
    page.locator("textarea[data-test=message-text], [data-test=message-text] textarea").fill("hi")
    page.click("[data-test=send]")
    page.get_by_text("请选择标签并填写员工").wait_for()
    console.shot("refused")


def test_a_viewer_sees_broadcasts_without_write_buttons(
    console: ConsolePage, people: People
) -> None:
    page = console.page
    sign_in(console, people, "viewer", "/broadcasts")
    page.locator(".el-table").wait_for()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-test=broadcast-add]").count() == 0
    console.shot("viewer")
