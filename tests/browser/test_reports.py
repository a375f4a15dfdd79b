"""Reports: an operator generates one, opens it and sees the HTML inline with its files."""

from __future__ import annotations

import urllib.request

from tests.browser.conftest import ConsolePage, People, sign_in


def test_an_operator_generates_todays_report_and_reads_it_inline(
    console: ConsolePage, people: People
) -> None:
    page = console.page
    sign_in(console, people, "operator", next_path="/reports")
    page.click("[data-test=generate]")
    page.click("[data-test=generate-submit]")
    page.wait_for_url("**/reports/daily/*")
    frame = page.locator("[data-test=report-html]")
    frame.wait_for()
    html = page.frame_locator("[data-test=report-html]")
    html.locator("body").wait_for()
    assert html.locator("table").count() >= 1
    names = page.locator("[data-test=report-file]").all_text_contents()
    assert any(name.strip().endswith(".xlsx") for name in names), names
    assert any(name.strip().endswith(".csv") for name in names), names
    # The frame's document comes from the report bucket, not the console: screenshot what
    # is shown now rather than waiting for the whole network to fall quiet.
    page.screenshot(path=str(console.shots / "report.png"), full_page=True)

    # the workbook's link downloads the file the report wrote
    xlsx = page.locator("[data-test=report-file]", has_text=".xlsx").get_attribute("href")
    assert xlsx
    with urllib.request.urlopen(xlsx, timeout=30) as answer:
        assert answer.read(2) == b"PK"  # an XLSX is a zip

    page.click("text=返回报表列表")
    page.wait_for_url("**/reports")
    page.locator("[data-test=reports] .el-table__row").first.wait_for()
    console.shot("list")


def test_a_viewer_reads_reports_but_cannot_generate_one(
    console: ConsolePage, people: People
) -> None:
    page = console.page
    sign_in(console, people, "viewer", next_path="/reports")
    page.locator("[data-test=kind-filter]").wait_for()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-test=generate]").count() == 0
    console.shot("viewer")
