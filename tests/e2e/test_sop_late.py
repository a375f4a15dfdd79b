"""Over HTTP: a customer whose add is processed hours after it happened (WeCom's
CreateTime five hours back) is enrolled in a plan whose step is already due, and the next
tick sends it; the funnel accounts for the customer."""

from __future__ import annotations

from typing import Any

from local_stack import LocalStack
from tests.e2e.test_contacts_converge import WAIT_S, eventually
from tests.e2e.test_contacts_exactly_once import settle

PLAN = {
    "name": "late welcome",
    "trigger": {"kind": "contact_added", "channels": ["latesop"]},
    "steps": [{"id": "d0", "name": "now", "content": {"text": "欢迎"}, "delay_minutes": 0}],
}


def test_a_step_due_hours_before_its_late_enrolment_is_sent_at_the_next_tick(
    stack: LocalStack, sim: str, http: Any, admin: Any, dynamodb: Any
) -> None:
    status, answer = admin("PUT", "/admin/sop/plans/latesop", PLAN, role="operator")
    assert status == 200, answer
    try:
        assert http("POST", f"{sim}/_sim/clock", {"offset_s": -5 * 3600})[0] == 200
        _, added = http(
            "POST",
            f"{sim}/_sim/customers/add",
            {"userid": "zhangsan", "name": "Late", "state": "s6:latesop", "welcome": False},
        )
    finally:
        http("POST", f"{sim}/_sim/clock", {"offset_s": 0})
    [row] = settle(dynamodb, stack, [added["xml"]], timeout_s=WAIT_S)
    assert row["status"]["S"] == "processed", row.get("last_error")

    def sent() -> dict[str, Any] | None:
        _, funnel = admin("GET", "/admin/sop/plans/latesop/funnel", role="viewer")
        step = funnel["steps"][0]
        return step if step["targeted"] == 1 and step["sent"] == 1 else None

    step = eventually(sent)
    try:
        assert step, admin("GET", "/admin/sop/plans/latesop/funnel", role="viewer")[1]
        _, calls = http("GET", f"{sim}/_sim/log?path=externalcontact/add_msg_template")
        assert any(added["external_userid"] in c["body"]["external_userid"] for c in calls)
    finally:
        admin("DELETE", "/admin/sop/plans/latesop", role="operator")
