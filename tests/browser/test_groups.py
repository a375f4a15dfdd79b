"""Customer groups in the console: the list, one group's members and joins per day."""

from __future__ import annotations

import urllib.error

import pytest

from local_stack import LocalStack
from tests.browser.conftest import ConsolePage, People, admin_get, sign_in, sim
from tests.browser.test_welcome import wait_for

pytestmark = pytest.mark.browser


def test_a_viewer_reads_a_group_its_members_and_joins(
    console: ConsolePage, people: People, stack: LocalStack
) -> None:
    created = sim(stack, "groups/create", {"owner": "zhangsan", "name": "浏览器测试群"})
    chat_id = created["chat_id"]
    sim(stack, "groups/join", {"chat_id": chat_id, "members": ["wmBrowserA", "wmBrowserB"]})

    def joined() -> bool:
        try:
            days = admin_get(stack, f"/admin/groups/{chat_id}/stats?days=1")["days"]
        except urllib.error.HTTPError:  # not stored yet (404)
            return False
        return bool(days[-1]["joins"] == 2)

    assert wait_for(joined)
    page = console.page
    sign_in(console, people, "viewer", "/groups")
    page.locator(f"[data-chat={chat_id}]").click()
    page.wait_for_url(f"**/groups/{chat_id}")
    page.locator("[data-test=members] .el-table__body tr").first.wait_for()
    assert page.locator("[data-test=member-count]").inner_text() == "3"
    # the totals stand only once the stats have come (never a 0 before they do)
    assert "入群 2" in page.locator("[data-test=join-quit-totals]").inner_text()
    assert page.locator("[data-test=members] .el-table__body tr").count() == 3
    console.shot("group")
    console.goto("/groups")
    page.locator(f"[data-chat={chat_id}]").wait_for()
    console.shot("list")
