"""Welcome messages in the console: written with a live WeChat preview, then received by a
customer who adds the staff member through that channel."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pytest

from local_stack import LocalStack
from tests.browser.conftest import ConsolePage, People, sign_in, sim

pytestmark = pytest.mark.browser

CHANNEL = "bt-welcome"


def sim_log(stack: LocalStack, path: str) -> list[dict[str, Any]]:
    url = f"{stack.config.simulator_url}/_sim/log?path={path}"
    with urllib.request.urlopen(url, timeout=30) as answer:
        return list(json.loads(answer.read()))


def wait_for(check: Any, timeout_s: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def test_an_operator_writes_a_welcome_message_that_a_new_customer_receives(
    console: ConsolePage, people: People, stack: LocalStack
) -> None:
    page = console.page
    sign_in(console, people, "operator", "/welcome")
    console.shot("list")
    page.click("[data-test=welcome-add]")
    page.wait_for_url("**/welcome/new")
    console.shot("new")
    page.fill("input[data-test=channel], [data-test=channel] input", CHANNEL)
    text = page.locator("textarea[data-test=message-text], [data-test=message-text] textarea")
    text.fill("{name}，您好！我是您的专属顾问 ")
    text.press("End")
    page.click("[data-variable=staff]")
    assert text.input_value() == "{name}，您好！我是您的专属顾问 {staff}"
    page.click("[data-test=add-link]")
    page.fill("input[data-test=link-title], [data-test=link-title] input", "新客礼包")
    page.fill(
        "input[data-test=link-url], [data-test=link-url] input", "https://shop.example.com/gift"
    )

    # The preview: the operator's name on the chat, the variables filled with samples.
    preview = page.locator("[data-test=preview]")
    assert preview.locator("[data-test=preview-staff]").inner_text() == "李四"
    assert (
        preview.locator("[data-test=preview-text]").inner_text()
        == "小明，您好！我是您的专属顾问 李四"
    )
    page.fill("input[data-test=sample-name], [data-test=sample-name] input", "韩梅梅")
    assert preview.locator("[data-test=preview-text]").inner_text().startswith("韩梅梅，您好")
    assert "新客礼包" in preview.locator("[data-test=preview-link]").inner_text()
    console.shot("editor")

    page.click("[data-test=save]")
    page.wait_for_url(f"**/welcome/{CHANNEL}")
    page.get_by_text("已保存").wait_for()

    # A customer adds lisi through that channel and gets exactly that message.
    added = sim(stack, "customers/add", {"userid": "lisi", "name": "韩梅梅", "state": CHANNEL})

    def sent() -> list[dict[str, Any]]:
        return [
            call
            for call in sim_log(stack, "externalcontact/send_welcome_msg")
            if call["status"] == 200
            and call["answer"].get("errcode") == 0
            and call["body"].get("welcome_code") == added.get("welcome_code")
        ]

    calls = wait_for(sent)
    assert len(calls) == 1, sim_log(stack, "externalcontact/send_welcome_msg")
    body = calls[0]["body"]
    assert body["text"]["content"] == "韩梅梅，您好！我是您的专属顾问 李四"
    assert body["attachments"] == [
        {
            "msgtype": "link",
            "link": {"title": "新客礼包", "url": "https://shop.example.com/gift"},
        }
    ]

    console.goto("/welcome")
    page.locator(f"[data-channel={CHANNEL}]").wait_for()
    console.shot("list-saved")


def test_a_bad_message_is_refused_on_its_field(console: ConsolePage, people: People) -> None:
    page = console.page
    sign_in(console, people, "operator", "/welcome/new")
    page.fill("input[data-test=channel], [data-test=channel] input", "bt-bad")
    page.locator("textarea[data-test=message-text], [data-test=message-text] textarea").fill("hi")
    page.click("[data-test=add-link]")
    page.fill("input[data-test=link-title], [data-test=link-title] input", "t")
    page.fill("input[data-test=link-url], [data-test=link-url] input", "ftp://nope")
    console.expect_status(400, "/api/admin/welcome-messages/")
    page.click("[data-test=save]")
    error = page.locator("[data-attachment=link] .el-alert")
    error.wait_for()
    assert "http(s) URL" in error.inner_text()
    console.shot("refused")


def test_a_viewer_reads_welcome_messages_without_write_buttons(
    console: ConsolePage, people: People
) -> None:
    page = console.page
    sign_in(console, people, "viewer", "/welcome")
    page.locator(".el-table").wait_for()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-test=welcome-add]").count() == 0
    assert page.locator("[data-test=welcome-delete]").count() == 0
    console.shot("viewer")
