"""The handover page: an admin hands a member's customer over to a takeover member after
confirming, and sees the result; a viewer sees the customers but no button to move them."""

from __future__ import annotations

import time
import uuid

from local_stack import LocalStack
from tests.browser.conftest import ConsolePage, People, admin_get, sign_in, sim


def wait_for_contact(stack: LocalStack, userid: str, external_userid: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows = admin_get(stack, f"/admin/staff/{userid}/contacts?limit=200")["items"]
        if any(row["external_userid"] == external_userid for row in rows):
            return
        time.sleep(0.2)
    raise AssertionError(f"{external_userid} never reached {userid}'s customers")


def test_an_admin_hands_a_customer_over_after_confirming_and_a_viewer_only_reads(
    console: ConsolePage, people: People, stack: LocalStack
) -> None:
    customer = f"wmHand{uuid.uuid4().hex[:8]}"
    sim(stack, "customers/add", {"userid": "lisi", "name": "转接客户", "external_userid": customer})
    wait_for_contact(stack, "lisi", customer)

    page = console.page
    sign_in(console, people, "admin", next_path="/handover")
    page.get_by_text("输入原跟进成员的账号，查看他的客户。").wait_for()
    console.shot("empty")
    page.fill("[data-test=member]", "lisi")
    page.click("[data-test=show]")
    row = page.locator("[data-test=customers] .el-table__body tr", has_text=customer)
    row.wait_for()
    row.locator(".el-checkbox").click()
    page.fill("[data-test=takeover]", "wangwu")
    page.click("[data-test=transfer]")
    dialog = page.locator(".el-message-box")
    dialog.wait_for()
    assert "lisi" in dialog.inner_text() and "wangwu" in dialog.inner_text()
    console.shot("confirm")
    dialog.locator("button", has_text="确定").click()
    page.locator(".el-message", has_text="已提交").wait_for()
    page.locator("[data-test=results] .el-table__body tr", has_text=customer).wait_for()
    console.shot("transferred")
    page.click("[data-test=refresh]")
    page.locator(".el-message--success", has_text="已刷新").wait_for()

    page.click("[data-test=sign-out]")
    page.wait_for_url("**/signin")
    sign_in(console, people, "viewer", next_path="/handover")
    page.fill("[data-test=member]", "lisi")
    page.click("[data-test=show]")
    page.locator("[data-test=results] .el-table__body tr", has_text=customer).wait_for()
    assert page.locator("[data-test=transfer], [data-test=refresh], .el-checkbox").count() == 0
    console.shot("viewer")
