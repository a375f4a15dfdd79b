"""The screening page: an admin saves the configuration and sees a refused one's reason,
an operator runs the screening now and sees whether it completed, a viewer only reads."""

from __future__ import annotations

from local_stack import LocalStack
from tests.browser.conftest import ConsolePage, People, admin_get, sign_in


def test_an_admin_saves_the_screening_settings_and_runs_them_now(
    console: ConsolePage, people: People, stack: LocalStack
) -> None:
    console.expect_status(400, "/api/admin/screening/config")
    page = console.page
    sign_in(console, people, "admin", next_path="/screening")
    page.locator("[data-test=screening-form]").wait_for()
    score = page.locator(".el-form-item", has_text="高价值分数线").locator("input")
    score.fill("80")
    score.blur()
    page.click("[data-test=save]")
    page.locator(".el-message--success", has_text="已保存").wait_for()
    assert admin_get(stack, "/admin/screening/config")["high_value_score"] == 80
    console.shot("saved")

    first = page.locator("[data-field=recency_days] input").first
    first.fill("500")
    first.blur()
    page.click("[data-test=save]")
    page.locator("[data-test=form-error]", has_text="recency_days").wait_for()
    assert admin_get(stack, "/admin/screening/config")["recency_days"][0] != 500
    console.shot("refused")

    page.click("[data-test=run]")
    page.locator("[data-test=run-result]").wait_for()
    assert "筛选" in page.locator("[data-test=run-result]").inner_text()
    console.shot("ran")


def test_a_viewer_reads_the_screening_settings_with_no_button_to_change_or_run(
    console: ConsolePage, people: People
) -> None:
    page = console.page
    sign_in(console, people, "viewer", next_path="/screening")
    page.locator("[data-test=screening-form]").wait_for()
    assert page.locator("[data-test=save], [data-test=run]").count() == 0
    console.shot("viewer")


def test_the_segment_distribution_leads_to_a_segments_customers(
    console: ConsolePage, people: People
) -> None:
    page = console.page
    sign_in(console, people, "viewer", next_path="/screening")
    card = page.locator("[data-test=segment-distribution]")
    card.wait_for()
    # Either the counts per segment or the empty state that says when they come.
    card.locator("[data-test=segment-counts], [data-test=empty]").first.wait_for()
    console.shot("distribution")

    # A segment's customers: the customer list opens with that segment chosen.
    console.goto("/customers?segment=at_risk")
    page.locator(".el-select .el-tag, .el-select__tags-text", has_text="流失风险").first.wait_for()
    console.shot("segment-customers")
