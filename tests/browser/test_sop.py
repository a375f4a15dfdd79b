"""SOP plans in the console: saved in the editor, run over simulated days, read as a funnel."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from local_stack import LocalStack
from tests.browser.conftest import ConsolePage, People, admin_get, sign_in, sim
from tests.browser.test_welcome import sim_log, wait_for

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
PLAN_ID = "bt-sop"
CHANNEL = "bt-sop"


@pytest.fixture
def tick(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int], Any]]:
    """``sop_tick`` at a chosen (simulated) time, in this process against the stack."""
    for key, value in stack.config.app_env().items():
        monkeypatch.setenv(key, value)
    from chalicelib.core.settings import reset_settings
    from chalicelib.sop import tick as sop_tick
    from chalicelib.wecom.client import reset_client

    reset_settings()
    reset_client()
    yield sop_tick.run
    sim(stack, "clock", {"offset_s": 0})
    monkeypatch.undo()
    reset_settings()
    reset_client()


def templates_to(stack: LocalStack, customer: str) -> list[dict[str, Any]]:
    return [
        call
        for call in sim_log(stack, "externalcontact/add_msg_template")
        if call["status"] == 200 and customer in call["body"].get("external_userid", [])
    ]


def confirm(stack: LocalStack, call: dict[str, Any], at: int) -> None:
    """The staff member confirms the send in the WeCom client five minutes later."""
    sim(stack, "clock", {"offset_s": at + 5 * 60 - time.time()})
    sim(stack, f"msg_templates/{call['answer']['msgid']}/confirm", {})


def pick(console: ConsolePage, select: str, value: str) -> None:
    """Type a new entry into an allow-create select and take it."""
    page = console.page
    page.click(f"{select} .el-select__wrapper")
    page.keyboard.type(value)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")


def test_an_sop_saved_in_the_editor_runs_over_simulated_days_and_shows_its_funnel(
    console: ConsolePage, people: People, stack: LocalStack, tick: Callable[[int], Any]
) -> None:
    page = console.page
    sign_in(console, people, "operator", "/sop")
    console.shot("list")
    page.click("[data-test=sop-add]")
    page.wait_for_url("**/sop/new")
    page.fill("input[data-test=plan-name], [data-test=plan-name] input", "浏览器新客欢迎")
    page.fill("input[data-test=plan-id], [data-test=plan-id] input", PLAN_ID)
    first = page.locator("[data-step='0']")
    first.locator("input[data-test=step-name], [data-test=step-name] input").fill("当天问候")
    first.locator("textarea[data-test=message-text], [data-test=message-text] textarea").fill(
        "欢迎加入！"
    )
    page.click("[data-test=add-step]")
    second = page.locator("[data-step='1']")
    second.locator("input[data-test=step-name], [data-test=step-name] input").fill("次日到店礼")
    second.locator("textarea[data-test=message-text], [data-test=message-text] textarea").fill(
        "{staff} 提醒您：今天到店享 9 折。"
    )
    # The new step is "day 1 at 10:00" and its preview names the sender (a mass step's
    # only variable: one text per sender).
    assert (
        second.locator("input[data-test=step-day], [data-test=step-day] input").input_value() == "1"
    )
    preview = page.locator("[data-test=preview-text]").inner_text()
    assert preview.endswith(" 提醒您：今天到店享 9 折。") and "{staff}" not in preview
    console.shot("editor")

    # The API refuses a tagged trigger without tags: the reason shows on the trigger.
    page.click("[data-test=trigger-kind] .el-select__wrapper")
    page.locator(".el-select-dropdown__item").get_by_text("被打上标签").click()
    console.expect_status(400, f"/api/admin/sop/plans/{PLAN_ID}")
    page.click("[data-test=save]")
    refusal = page.locator(".el-form-item.is-error").filter(
        has_text="a tagged trigger needs tag_ids"
    )
    refusal.wait_for()
    console.shot("refused")
    page.click("[data-test=trigger-kind] .el-select__wrapper")
    page.locator(".el-select-dropdown__item").get_by_text("添加员工（渠道 / 活码）").click()
    pick(console, "[data-test=trigger-channels]", CHANNEL)

    page.click("[data-test=save]")
    page.wait_for_url(f"**/sop/{PLAN_ID}")
    plan = admin_get(stack, f"/admin/sop/plans/{PLAN_ID}")
    assert plan["trigger"] == {
        "kind": "contact_added",
        "channels": [CHANNEL],
        "codes": [],
        "tag_ids": [],
        "chat_ids": [],
        "tier": None,
        "segment": None,
        "days": None,
        "date": None,
        "audience_id": None,
    }
    assert [(s["id"], s["delay_minutes"], s["day"], s["at"]) for s in plan["steps"]] == [
        ("s1", 0, None, None),
        ("s2", None, 1, "10:00"),
    ]

    # A customer adds lisi through the channel: the day-0 step goes out at once.
    added = sim(stack, "customers/add", {"userid": "lisi", "name": "韩梅梅", "state": CHANNEL})
    customer = added["external_userid"]
    day0 = wait_for(lambda: templates_to(stack, customer))
    assert [c["body"]["text"]["content"] for c in day0] == ["欢迎加入！"]  # one text for all
    sent_at = int(time.time())
    confirm(stack, day0[0], sent_at)
    tick(sent_at + 11 * 60)  # the send result is read

    # The next day at 10:00 (simulated) the day-1 step goes out.
    today = datetime.fromtimestamp(sent_at, SHANGHAI).date()
    day1_at = (
        int(datetime.combine(today + timedelta(days=1), datetime.min.time(), SHANGHAI).timestamp())
        + 10 * 3600
    )
    assert tick(day1_at - 60).calls == 0
    assert tick(day1_at).calls == 1
    day1 = templates_to(stack, customer)[1:]
    assert [c["body"]["text"]["content"] for c in day1] == ["lisi 提醒您：今天到店享 9 折。"]
    confirm(stack, day1[0], day1_at)
    tick(day1_at + 11 * 60)

    console.goto(f"/sop/{PLAN_ID}?tab=funnel")
    table = page.locator("[data-test=funnel-table]")
    table.wait_for()
    rows = table.locator(".el-table__body tr")
    assert rows.count() == 2
    for n, name in enumerate(("1. 当天问候", "2. 次日到店礼")):
        cells = rows.nth(n).locator("td")
        assert cells.nth(0).inner_text() == name
        assert [cells.nth(i).inner_text() for i in (1, 2, 3)] == ["1", "1", "1"]
        assert cells.nth(4).inner_text() == "100.0%"
    assert page.locator("[data-test=funnel] [data-test=chart] canvas").count() == 1
    console.shot("funnel")


def test_a_viewer_reads_sop_plans_without_write_buttons(
    console: ConsolePage, people: People
) -> None:
    page = console.page
    sign_in(console, people, "viewer", "/sop")
    page.locator(".el-table").wait_for()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-test=sop-add]").count() == 0
    assert page.locator("[data-test=sop-delete]").count() == 0
    console.shot("viewer-list")
