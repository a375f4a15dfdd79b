"""Manual point adjustments: an existing contact only, large ones for admins, a daily cap
per person; each refusal is a clear 403 and is in the audit log."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.points.test_ledger import add_contact, admin
from tests.support.admin import bearer
from tests.support.fake_wecom_api import FakeWeComApi


def adjust(client: Any, contact: str, delta: int, request_id: str, role: str = "operator") -> Any:
    body = {"delta": delta, "reason": "goodwill", "request_id": request_id}
    return admin(client, "POST", f"/admin/contacts/{contact}/points/adjust", body, role=role)


def balance(client: Any, contact: str) -> int:
    return int(admin(client, "GET", f"/admin/contacts/{contact}/points").json_body["balance"])


def test_twenty_million_points_to_a_contact_that_does_not_exist_is_refused(
    client: Any, wecom: FakeWeComApi
) -> None:
    for delta in (20_000_000, 9_999_999, 5):
        answer = adjust(client, "wmGhost", delta, f"ghost-{delta}")
        assert answer.status_code in (400, 404), answer.body
    answer = adjust(client, "wmGhost", 5, "ghost-small")
    assert (answer.status_code, answer.json_body["error"]) == (404, "contact_not_found")


def test_a_large_adjustment_needs_an_admin_and_the_threshold_is_in_the_rules(
    client: Any, wecom: FakeWeComApi
) -> None:
    add_contact(wecom, "wmA")
    refused = adjust(client, "wmA", 10_001, "big-1")
    assert (refused.status_code, refused.json_body["error"]) == (403, "adjustment_needs_admin")
    assert "10000" in refused.json_body["message"]
    assert adjust(client, "wmA", -10_001, "big-2").status_code == 403
    assert balance(client, "wmA") == 0
    assert adjust(client, "wmA", 10_000, "at-threshold").status_code == 200
    assert adjust(client, "wmA", 10_001, "big-3", role="admin").status_code == 200
    assert balance(client, "wmA") == 20_001

    rules = admin(client, "GET", "/admin/points/rules").json_body
    rules["adjust_admin_above"] = 100
    assert admin(client, "PUT", "/admin/points/rules", rules, role="admin").status_code == 200
    assert adjust(client, "wmA", 101, "big-4").status_code == 403

    audit = admin(client, "GET", "/admin/audit", role="admin").json_body["items"]
    refusals = [e for e in audit if e["route"].endswith("/points/adjust") and e["status"] == 403]
    assert len(refusals) == 3
    assert {e["summary"]["delta"] for e in refusals} == {10_001, -10_001, 101}
    assert all(e["role"] == "operator" for e in refusals)


def test_what_one_person_adjusts_in_a_day_is_capped_and_a_retry_counts_once(
    client: Any, wecom: FakeWeComApi
) -> None:
    add_contact(wecom, "wmA")
    rules = admin(client, "GET", "/admin/points/rules").json_body
    rules["adjust_daily_cap"] = 25_000
    assert admin(client, "PUT", "/admin/points/rules", rules, role="admin").status_code == 200

    assert adjust(client, "wmA", 10_000, "d-1").status_code == 200
    assert adjust(client, "wmA", 10_000, "d-1").status_code == 200  # a retry: counted once
    assert adjust(client, "wmA", -5_000, "d-2").status_code == 200  # debits count too
    refused = adjust(client, "wmA", 10_001, "d-3", role="admin")
    assert (refused.status_code, refused.json_body["error"]) == (403, "adjustment_cap_reached")
    assert "25000" in refused.json_body["message"]
    assert balance(client, "wmA") == 5_000
    assert adjust(client, "wmA", 10_000, "d-1").status_code == 200  # still a replay, not refused
    # The cap is per person: another operator still has theirs.
    body = {"delta": 10_000, "reason": "goodwill", "request_id": "d-4"}
    other = client.http.post(
        "/admin/contacts/wmA/points/adjust",
        body=json.dumps(body),
        headers={"Content-Type": "application/json"} | bearer("operator", subject="bob"),
    )
    assert other.status_code == 200, other.body
    assert balance(client, "wmA") == 15_000
