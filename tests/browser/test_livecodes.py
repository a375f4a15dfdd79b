"""Live codes in the console: create one over two members, download its QR, customers scan
it and add, and the stats page shows them; a viewer sees no write buttons."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest

from local_stack import LocalStack
from tests.browser.codes import admin_call, pick, put_code, scan_and_add, wait_for
from tests.browser.conftest import ConsolePage, People, sign_in

pytestmark = pytest.mark.browser


def _field(page: Any, name: str) -> Any:
    """The text box of an Element Plus input named by ``data-test`` (on the box itself or on
    its wrapper, depending on the component)."""
    boxes = f"input[data-test={name}], textarea[data-test={name}], [data-test={name}] input"
    return page.locator(f"{boxes}, [data-test={name}] textarea").first


def _download(page: Any, button: str, tmp_path: Path) -> bytes:
    with page.expect_download() as info:
        page.click(button)
    download = info.value
    target = tmp_path / download.suggested_filename
    download.save_as(str(target))
    return target.read_bytes()


def test_an_operator_creates_a_code_downloads_its_qr_and_sees_the_adds(
    console: ConsolePage, people: People, stack: LocalStack, tmp_path: Path
) -> None:
    page = console.page
    code = f"b{secrets.token_hex(3)}"
    sign_in(console, people, "operator", "/live-codes")
    page.wait_for_selector("[data-test=new-code]")
    console.shot("list")

    page.click("[data-test=new-code]")
    page.wait_for_selector("[data-test=staff-table]")
    _field(page, "code").fill(code)
    _field(page, "name").fill("春季海报")
    pick(page, "[data-test=staff-0]", "张三 (zhangsan)")
    page.click("[data-test=add-staff]")
    pick(page, "[data-test=staff-1]", "李四 (lisi)")
    page.click("[data-test=channels]")
    page.keyboard.type("poster")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    # The poster channel's welcome, shared by every code with that channel.
    page.click("[data-test=welcome-poster]")
    _field(page, "channel-welcome-text").fill("欢迎扫码海报！")
    page.click("[data-test=channel-welcome-save]")
    page.locator("[data-test=channel-welcomes]").get_by_text("欢迎扫码海报！").wait_for()
    # Working hours of the first member: every day, the whole day, set on the grid.
    page.locator("[data-test=edit-schedule]").first.click()
    page.click("[data-test=set-hours]")
    for row in range(7):
        page.click(f"[data-test=schedule-grid] .row:nth-child({row + 2}) .day")
    console.shot("schedule")
    page.click("[data-test=schedule-save]")
    console.shot("form")
    page.click("[data-test=save]")

    page.wait_for_url(f"**/live-codes/{code}")
    page.wait_for_selector("[data-test=qr-image]")
    assert page.locator("[data-test=code-name]").inner_text() == "春季海报"
    svg = _download(page, "[data-test=download-svg]", tmp_path)
    assert svg.lstrip().startswith((b"<?xml", b"<svg")) and b"<svg" in svg
    png = _download(page, "[data-test=download-png]", tmp_path)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")

    stored = admin_call(stack, "GET", f"/admin/live-codes/{code}")
    assert [s["userid"] for s in stored["staff"]] == ["zhangsan", "lisi"]
    assert stored["channels"] == ["default", "poster"]
    assert stored["staff"][0]["schedule"] == {
        str(day): [{"start": "00:00", "end": "24:00"}] for day in range(1, 8)
    }
    assert stored["staff"][1]["schedule"] is None
    assert admin_call(stack, "GET", "/admin/welcome-messages/poster")["text"] == "欢迎扫码海报！"

    for name in ("客户甲", "客户乙"):
        scan_and_add(stack, code, "poster", name)

    def counted() -> bool:
        stats = admin_call(stack, "GET", f"/admin/live-codes/{code}/stats")
        return sum(c["adds"] for c in stats["channels"] if c["channel"] == "poster") == 2

    wait_for("both adds counted", counted)
    page.reload()
    totals = page.locator("[data-test=channel-totals]")
    totals.wait_for()
    row = totals.locator("tr", has_text="poster")
    assert row.locator("td").nth(1).inner_text() == "2"  # scans
    assert row.locator("td").nth(2).inner_text() == "2"  # adds
    staff = page.locator("[data-test=staff-totals]").inner_text()
    assert "张三" in staff and "李四" in staff
    console.shot("stats")


def test_a_viewer_sees_the_codes_but_no_write_buttons(
    console: ConsolePage, people: People, stack: LocalStack
) -> None:
    code = f"v{secrets.token_hex(3)}"
    put_code(stack, code, {"name": "只读", "staff": [{"userid": "zhangsan"}]})
    page = console.page
    sign_in(console, people, "viewer", "/live-codes")
    page.wait_for_selector(f"[data-code={code}]")
    assert page.locator("[data-test=new-code]").count() == 0
    assert page.locator("[data-test=edit]").count() == 0
    assert page.locator("[data-test=delete]").count() == 0
    console.shot("viewer-list")

    page.click(f"[data-code={code}]")
    page.wait_for_selector("[data-test=qr-image]")
    assert page.locator("[data-test=edit]").count() == 0
    assert page.locator("[data-test=delete]").count() == 0
    console.shot("viewer-code")

    console.goto("/group-codes")
    page.wait_for_selector(".el-table")
    assert page.locator("[data-test=new-group-code]").count() == 0
    console.shot("viewer-group-codes")

    # A write page the role may not open says so (no form, no raw error).
    console.goto("/live-codes/new")
    page.wait_for_url("**/forbidden**")
    console.shot("viewer-forbidden")


def test_deleting_a_code_asks_first(
    console: ConsolePage, people: People, stack: LocalStack
) -> None:
    code = f"d{secrets.token_hex(3)}"
    put_code(stack, code, {"name": "待删除", "staff": [{"userid": "lisi"}]})
    page = console.page
    sign_in(console, people, "operator", "/live-codes")
    row = page.locator(".el-table__row", has=page.locator(f"[data-code={code}]"))
    row.locator("[data-test=delete]").click()
    page.wait_for_selector(".el-message-box")
    console.shot("confirm-delete")
    page.click(".el-message-box .el-button:not(.el-button--danger)")
    assert admin_call(stack, "GET", f"/admin/live-codes/{code}")["code"] == code
    row.locator("[data-test=delete]").click()
    page.click(".el-message-box .el-button--danger")
    page.wait_for_selector(f"[data-code={code}]", state="detached")
    codes = [c["code"] for c in admin_call(stack, "GET", "/admin/live-codes")["items"]]
    assert code not in codes


def test_an_operator_makes_a_group_code_from_the_groups(
    console: ConsolePage, people: People, stack: LocalStack
) -> None:
    from tests.browser.conftest import sim

    name = f"福利群{secrets.token_hex(2)}"
    sim(stack, "groups/create", {"owner": "zhangsan", "name": name})

    def mirrored() -> bool:
        groups = admin_call(stack, "GET", "/admin/groups?limit=200")["items"]
        return any(g["name"] == name for g in groups)

    wait_for("the group mirrored", mirrored)
    code = f"g{secrets.token_hex(3)}"
    page = console.page
    sign_in(console, people, "operator", "/group-codes")
    page.click("[data-test=new-group-code]")
    _field(page, "code").fill(code)
    page.click("[data-test=save]")
    page.get_by_text("至少选择一个客户群").wait_for()  # refused before sending
    pick(page, "[data-test=groups]", name)
    page.keyboard.press("Escape")
    console.shot("group-code-form")
    page.click("[data-test=save]")
    page.wait_for_url(f"**/group-codes/{code}")
    page.wait_for_selector("[data-test=group-qr]")
    console.shot("group-code")
    stored = admin_call(stack, "GET", f"/admin/group-codes/{code}")
    assert len(stored["chat_ids"]) == 1 and stored["qr_code"]
