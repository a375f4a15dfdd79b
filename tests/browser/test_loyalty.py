"""The points rules and membership tiers pages: an admin edits and saves them, a bad value's
reason shows on its field, a viewer reads them with no way to change them."""

from __future__ import annotations

from local_stack import LocalStack
from tests.browser.conftest import ConsolePage, People, admin_get, sign_in


def test_an_admin_saves_points_rules_and_sees_a_bad_multiplier_refused_on_its_field(
    console: ConsolePage, people: People, stack: LocalStack
) -> None:
    console.expect_status(400, "/api/admin/points/rules")
    page = console.page
    sign_in(console, people, "admin", next_path="/loyalty/points")
    page.locator("[data-test=points-form]").wait_for()
    bonus = page.locator("[data-test=first_order_bonus] input")
    bonus.fill("50")
    bonus.blur()
    page.click("[data-test=add-task]")
    page.fill("[data-test=task-name-0]", "group_join")
    task = page.locator("[data-test=task-value-0] input")
    task.fill("20")
    task.blur()
    page.click("[data-test=save]")
    page.locator(".el-message--success", has_text="已保存").wait_for()
    saved = admin_get(stack, "/admin/points/rules")
    assert saved["first_order_bonus"] == 50 and saved["tasks"] == {"group_join": 20}
    console.shot("saved")

    page.reload()
    page.locator("[data-test=first_order_bonus] input").wait_for()
    assert page.locator("[data-test=first_order_bonus] input").input_value() == "50"

    page.click("[data-test=add-multiplier]")
    page.fill("[data-test=multiplier-name-0]", "gold")
    factor = page.locator("[data-test=multiplier-value-0] input")
    factor.fill("11")
    factor.blur()
    page.click("[data-test=save]")
    reason = page.locator("[data-field=tier_multipliers] .el-form-item__error")
    reason.wait_for()
    assert "from 0 to 10" in reason.inner_text()
    assert admin_get(stack, "/admin/points/rules")["tier_multipliers"] == {}
    console.shot("refused")


def test_an_admin_adds_a_tier_and_a_base_with_a_threshold_is_refused(
    console: ConsolePage, people: People, stack: LocalStack
) -> None:
    console.expect_status(400, "/api/admin/membership/tiers")
    # before the first save the API has no levels: the page starts the form from a base level
    console.expect_status(404, "/api/admin/membership/tiers")
    page = console.page
    sign_in(console, people, "admin", next_path="/loyalty/tiers")
    page.locator("[data-test=levels]").wait_for()
    before = page.locator("[data-test=levels] .el-table__body tr").count()
    page.click("[data-test=add-level]")
    page.fill(f"[data-test=level-name-{before}]", f"vip{before}")
    page.click("[data-test=save]")
    page.locator(".el-message--success", has_text="已保存").wait_for()
    levels = admin_get(stack, "/admin/membership/tiers")["levels"]
    assert [level["name"] for level in levels][-1] == f"vip{before}"
    console.shot("saved")

    page.fill(f"[data-test=level-name-{before}]", "Not A Code")
    page.click("[data-test=save]")
    reason = page.locator(f"[data-field='levels.{before}.name'] .el-form-item__error")
    reason.wait_for()
    assert "pattern" in reason.inner_text()
    console.shot("refused")


def test_a_viewer_reads_the_rules_and_tiers_with_no_button_to_change_them(
    console: ConsolePage, people: People
) -> None:
    console.expect_status(404, "/api/admin/membership/tiers")  # when none are set yet
    page = console.page
    sign_in(console, people, "viewer", next_path="/loyalty/points")
    page.locator("[data-test=points-form]").wait_for()
    page.get_by_text("只有管理员可以修改这些设置。").wait_for()
    assert page.locator("[data-test=save]").count() == 0
    assert page.locator("[data-test=add-task]").count() == 0
    console.shot("points")

    page.click("[data-menu='/loyalty/tiers']")
    page.locator("[data-test=levels]").wait_for()
    assert page.locator("[data-test=save], [data-test=add-level]").count() == 0
    console.shot("tiers")
