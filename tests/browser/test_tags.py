"""The tag catalogue and auto-tag rules in the console."""

from __future__ import annotations

import pytest

from local_stack import LocalStack
from tests.browser.conftest import ConsolePage, People, admin_get, sign_in, sim

pytestmark = pytest.mark.browser


def test_an_admin_syncs_the_catalogue_and_writes_a_rule(
    console: ConsolePage, people: People, stack: LocalStack
) -> None:
    sim(
        stack,
        "tags/changed",
        {
            "change_type": "create",
            "tag_type": "tag_group",
            "group_name": "门店",
            "tags": ["夜间到店"],
        },
    )
    page = console.page
    sign_in(console, people, "admin", "/tags")
    page.click("[data-test=tags-sync]")
    page.locator("[data-group=门店] [data-test=tag]").get_by_text("夜间到店").wait_for()
    console.shot("catalogue")

    console.goto("/tags/rules")
    page.click("[data-test=rule-add]")
    dialog = page.locator(".el-dialog")
    dialog.locator("input[data-test=rule-id], [data-test=rule-id] input").fill("bt-night")
    dialog.locator("input[data-test=rule-name], [data-test=rule-name] input").fill("周末夜间")
    dialog.locator("[data-test=rule-tags] .el-select__wrapper").click()
    page.locator(".el-select-dropdown__item").get_by_text("夜间到店").click()
    page.keyboard.press("Escape")
    dialog.get_by_text("周六").click()
    dialog.get_by_text("周日").click()
    dialog.locator("[data-test=rule-use-hours]").click()
    console.shot("rule-editor")
    dialog.locator("[data-test=rule-save]").click()
    page.get_by_text("规则已保存").wait_for()
    row = page.locator(".el-table__body tr").filter(has_text="bt-night")
    row.wait_for()
    assert "周六–周日" in row.inner_text() and "09:00–18:00" in row.inner_text()
    rule = admin_get(stack, "/admin/tag-rules/bt-night")
    assert rule["weekdays"] == [6, 7] and rule["hours"] == {"start": 9, "end": 18}
    assert rule["gender"] is None and rule["channel"] is None
    console.shot("rules")


def test_a_viewer_sees_no_sync_or_rule_buttons(console: ConsolePage, people: People) -> None:
    page = console.page
    sign_in(console, people, "viewer", "/tags")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-test=tags-sync]").count() == 0
    console.shot("viewer-catalogue")
    console.goto("/tags/rules")
    page.locator(".el-table").wait_for()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-test=rule-add]").count() == 0
    assert page.locator("[data-test=rule-delete]").count() == 0
    console.shot("viewer-rules")
