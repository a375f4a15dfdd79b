"""People, API keys and the audit log: what an admin does to let others in, and sees after."""

from __future__ import annotations

import contextlib
import urllib.error

from local_stack import LocalStack
from tests.browser.conftest import ConsolePage, People, admin_get, sign_in, sim


def test_an_admin_grants_a_member_then_revokes_and_the_audit_log_shows_both(
    console: ConsolePage, people: People, stack: LocalStack
) -> None:
    with contextlib.suppress(urllib.error.HTTPError):  # already a member from an earlier run
        sim(stack, "members/add", {"userid": "sunqi", "name": "孙七", "department": [1]})
    page = console.page
    sign_in(console, people, "admin", next_path="/system/people")
    page.click("[data-test=grant]")
    page.fill("input[data-test=userid]", "sunqi")
    page.click("[data-test=role-viewer]")
    page.click("[data-test=grant-submit]")
    row = page.locator("[data-test=people] .el-table__row", has_text="sunqi")
    row.wait_for()
    assert "只读" in row.inner_text()  # the viewer role
    console.shot("granted")
    person = next(p for p in admin_get(stack, "/admin/people")["items"] if p["userid"] == "sunqi")
    assert person["role"] == "viewer" and person["status"] == "active"

    row.locator("[data-test=revoke-person]").click()
    page.locator(".el-message-box").wait_for()
    console.shot("confirm-revoke")
    page.click(".el-message-box .el-button--danger")
    page.locator("[data-test=people] .el-table__row", has_text="sunqi").locator(
        "[data-test=revoke-person]"
    ).wait_for(state="detached")
    person = next(p for p in admin_get(stack, "/admin/people")["items"] if p["userid"] == "sunqi")
    assert person["status"] != "active"

    page.click("[data-menu='/system/audit']")
    page.wait_for_url("**/system/audit")
    audit = page.locator("[data-test=audit]")
    audit.locator(".el-table__row", has_text="/admin/people/{userid}").first.wait_for()
    text = audit.inner_text()
    assert "PUT /admin/people/{userid}" in text and "DELETE /admin/people/{userid}" in text
    statuses = audit.locator(".el-table__row", has_text="/admin/people/{userid}").locator(
        "[data-test=audit-status]"
    )
    assert statuses.all_text_contents() == ["200", "200"]
    console.shot("audit")


def test_an_api_key_is_shown_once_works_as_a_bearer_and_is_refused_once_revoked(
    console: ConsolePage, people: People, stack: LocalStack
) -> None:
    import json
    import urllib.request

    page = console.page
    sign_in(console, people, "admin", next_path="/system/api-keys")
    page.click("[data-test=create-key]")
    page.fill("input[data-test=key-name]", "BI nightly")
    page.click("[data-test=key-submit]")
    secret = page.locator("input[data-test=key-secret]")
    secret.wait_for()
    key = secret.input_value()
    assert len(key) > 20
    console.shot("shown-once")
    page.click("[data-test=key-done]")
    page.locator("[data-test=api-keys] .el-table__row", has_text="BI nightly").wait_for()
    assert key not in page.content()  # never shown again

    def call() -> int:
        request = urllib.request.Request(
            f"{stack.config.api_url}/admin/reports", headers={"Authorization": f"Bearer {key}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                json.loads(answer.read())
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    assert call() == 200
    page.locator("[data-test=api-keys] .el-table__row", has_text="BI nightly").locator(
        "[data-test=revoke-key]"
    ).click()
    page.click(".el-message-box .el-button--danger")
    page.locator("[data-test=api-keys] .el-table__row", has_text="BI nightly").locator(
        "[data-test=revoke-key]"
    ).wait_for(state="detached")
    console.shot("revoked")
    assert call() == 401


def test_settings_pages_are_not_offered_to_an_operator(
    console: ConsolePage, people: People
) -> None:
    page = console.page
    sign_in(console, people, "operator")
    page.locator("[data-menu]").first.wait_for()
    for path in ("/system/people", "/system/api-keys", "/system/audit"):
        assert page.locator(f"[data-menu='{path}']").count() == 0
