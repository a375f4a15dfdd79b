"""Customers in the console: the list, a profile read live, points given and redeemed
through the dialogs (a double click redeems once); a viewer sees no write buttons."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from local_stack import LocalStack
from tests.browser.codes import (
    admin_call,
    contact_known,
    pick,
    put_code,
    scan_and_add,
    wait_for,
)
from tests.browser.conftest import ConsolePage, People, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def customer(stack: LocalStack) -> dict[str, Any]:
    """A customer who scanned a live code and added 李四."""
    code = f"c{secrets.token_hex(3)}"
    put_code(stack, code, {"name": "门店", "staff": [{"userid": "lisi"}], "channels": ["store"]})
    added = scan_and_add(stack, code, "store", "王小明")
    wait_for("the contact stored", lambda: contact_known(stack, added["external_userid"]))
    return added


def _field(scope: Any, name: str) -> Any:
    """The text box of an Element Plus input named by ``data-test`` (on the box itself or on
    its wrapper, depending on the component)."""
    return scope.locator(f"input[data-test={name}], [data-test={name}] input").first


def _wait_for_balance(page: Any, balance: int) -> None:
    script = "want => document.querySelector('[data-test=balance]').innerText.trim() === want"
    page.wait_for_function(script, arg=str(balance))


def _balance(page: Any) -> str:
    return str(page.locator("[data-test=balance]").inner_text()).strip()


def test_an_operator_finds_a_customer_gives_and_redeems_points(
    console: ConsolePage, people: People, stack: LocalStack, customer: dict[str, Any]
) -> None:
    page = console.page
    ext = customer["external_userid"]
    sign_in(console, people, "operator", "/customers")
    total = page.locator("[data-test=dir-total]")
    total.get_by_text("位客户").wait_for()  # the first page answered
    assert "五分钟" in total.inner_text()
    console.shot("directory")

    page.get_by_role("tab", name="按员工查看").click()
    pick(page, "[data-test=staff-select]", "李四 (lisi)")
    mine = page.locator(f"[data-customer={ext}]:visible")
    mine.wait_for()
    console.shot("by-staff")
    mine.click()

    page.wait_for_url(f"**/customers/{ext}")
    page.wait_for_selector("[data-test=balance]")
    assert "王小明" in page.locator("[data-test=customer-name]").inner_text()
    relationships = page.locator("[data-test=relationships]").inner_text()
    assert "李四" in relationships and "store" in relationships
    assert _balance(page) == "0"
    console.shot("profile")

    # Give 100 points by hand.
    page.click("[data-test=adjust]")
    dialog = page.locator("[data-test=adjust-dialog]")
    _field(dialog, "points").fill("100")
    _field(dialog, "reason").fill("活动补偿")
    console.shot("adjust")
    dialog.locator("[data-test=points-submit]").click()
    _wait_for_balance(page, 100)

    # Too many: the dialog says so on the field and nothing is sent.
    page.click("[data-test=redeem]")
    dialog = page.locator("[data-test=redeem-dialog]")
    _field(dialog, "points").fill("500")
    _field(dialog, "points").blur()
    _field(dialog, "reason").fill("兑换礼品")
    dialog.locator("[data-test=points-submit]").click()
    dialog.get_by_text("余额只有 100").wait_for()
    console.shot("redeem-refused")

    # 30 points, the button clicked twice: redeemed once.
    _field(dialog, "points").fill("30")
    _field(dialog, "points").blur()
    dialog.locator("[data-test=points-submit]").dblclick()
    _wait_for_balance(page, 70)
    account = admin_call(stack, "GET", f"/admin/contacts/{ext}/points")
    assert account["balance"] == 70
    entries = [(e["kind"], e["delta"]) for e in account["entries"]]
    assert entries == [("redeem", -30), ("adjust", 100)]
    ledger = page.locator("[data-test=ledger]").inner_text()
    assert "-30" in ledger and "+100" in ledger
    console.shot("redeemed")


def test_a_viewer_reads_a_profile_without_write_buttons(
    console: ConsolePage, people: People, customer: dict[str, Any]
) -> None:
    page = console.page
    ext = customer["external_userid"]
    sign_in(console, people, "viewer", f"/customers/{ext}")
    page.wait_for_selector("[data-test=balance]")
    page.wait_for_selector("[data-test=segment]")
    for button in ("redeem", "adjust", "edit-tags"):
        assert page.locator(f"[data-test={button}]").count() == 0
    console.shot("viewer-profile")
    console.goto("/customers")
    page.locator("[data-test=dir-total]").get_by_text("位客户").wait_for()
    console.shot("viewer-customers")


def test_an_unknown_customer_says_so(console: ConsolePage, people: People) -> None:
    page = console.page
    sign_in(console, people, "viewer", "/customers")
    console.expect_status(404, "/api/admin/contacts/wmNobody")
    console.expect_status(404, "/api/admin/screening/contacts/wmNobody")
    _field(page, "lookup").fill("wmNobody")
    page.click("[data-test=lookup-open]")
    page.wait_for_url("**/customers/wmNobody")
    page.wait_for_selector(".el-result")
    console.shot("unknown")
