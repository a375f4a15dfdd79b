"""Every admin write leaves an audit entry (who, what, when, outcome), listed by day at
``GET /admin/audit``; a write about a contact is also on that contact's timeline."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from app import app
from tests.support.admin import bearer
from tests.support.fake_wecom_api import FakeWeComApi

JSON = {"Content-Type": "application/json"}
PHONE = "13800138000"
WRITE_ROUTES = sorted(
    (path, method)
    for path, methods in app.routes.items()
    if path.startswith("/admin")
    for method in methods
    if method != "GET"
)


@pytest.fixture
def wecom(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeComApi]:
    from chalicelib.wecom.client import use_client
    from chalicelib.welcome import service as welcome_service

    fake = FakeWeComApi()
    use_client(fake)  # type: ignore[arg-type]
    monkeypatch.setattr(welcome_service, "sleep", lambda seconds: None)
    yield fake


def audit(client: Any, query: str = "", role: str = "admin") -> Any:
    return client.http.get(f"/admin/audit{query}", headers=bearer(role))


def entries(client: Any) -> list[dict[str, Any]]:
    response = audit(client)
    assert response.status_code == 200, response.body
    return list(response.json_body["items"])


def put_welcome(client: Any, channel: str, body: Any, role: str = "operator") -> Any:
    return client.http.put(
        f"/admin/welcome-messages/{channel}",
        body=body if isinstance(body, str) else json.dumps(body),
        headers=JSON | bearer(role, subject=f"{role}-alice"),
    )


def test_a_write_is_listed_with_who_what_when_and_no_phone_number(
    client: Any, wecom: FakeWeComApi
) -> None:
    assert put_welcome(client, "poster", {"text": f"您好，有事请拨 {PHONE}"}).status_code == 200
    deleted = client.http.delete(
        "/admin/welcome-messages/poster", headers=bearer("operator", subject="operator-bob")
    )
    assert deleted.status_code == 204
    assert client.http.get("/admin/welcome-messages", headers=bearer("viewer")).status_code == 200

    newest, oldest = entries(client)  # the GET is not a write: not audited
    assert (newest["method"], newest["principal"], newest["status"]) == (
        "DELETE",
        "operator-bob",
        204,
    )
    assert oldest["principal"] == "operator-alice" and oldest["role"] == "operator"
    assert oldest["method"] == "PUT" and oldest["route"] == "/admin/welcome-messages/{channel}"
    assert oldest["path"] == "/admin/welcome-messages/poster"
    assert oldest["params"] == {"channel": "poster"}
    assert (oldest["status"], oldest["outcome"]) == (200, "succeeded")
    assert oldest["summary"] == {"text": "您好，有事请拨 ***"}
    assert oldest["request_id"] and oldest["id"] != newest["id"]
    assert oldest["at"] <= newest["at"]
    assert PHONE not in audit(client).body.decode()


def test_refused_writes_are_recorded_and_weak_roles_are_recorded_as_refusals(
    client: Any, wecom: FakeWeComApi
) -> None:
    invalid = put_welcome(client, "poster", {"text": 5, "token": "s3cr3t-value"})
    assert invalid.status_code == 400
    not_json = put_welcome(client, "poster", "{not json")
    assert not_json.status_code == 400 and not_json.json_body["error"] == "bad_request"
    assert put_welcome(client, "poster", {"text": "hi"}, role="viewer").status_code == 403

    weak, newest, oldest = entries(client)
    assert (oldest["status"], oldest["outcome"]) == (400, "refused")
    assert oldest["summary"] == {"text": 5, "token": "***"}
    assert newest["summary"] == {"unparsed_bytes": 9} and newest["status"] == 400
    # The weak role never reached the view: filed as a refusal, with no body summary.
    assert (weak["status"], weak["outcome"], weak["reason"]) == (403, "refused", "role_required")
    assert weak["role"] == "viewer" and weak["summary"] is None
    assert "s3cr3t-value" not in audit(client).body.decode()


def test_the_log_is_for_admins_and_read_by_day(client: Any, wecom: FakeWeComApi) -> None:
    assert put_welcome(client, "default", {"text": "hello"}).status_code == 200
    assert audit(client, role="operator").status_code == 403
    today = entries(client)[0]["day"]
    day = date.fromisoformat(today)
    assert len(audit(client, f"?from={day - timedelta(days=3)}&to={today}").json_body["items"])
    yesterday = day - timedelta(days=1)
    assert audit(client, f"?from={yesterday}&to={yesterday}").json_body["items"] == []
    for query, code in [
        ("?from=yesterday", "invalid_day"),
        (f"?from={today}&to={yesterday}", "invalid_range"),
        (f"?from={day - timedelta(days=40)}&to={today}", "invalid_range"),
    ]:
        refused = audit(client, query)
        assert (refused.status_code, refused.json_body["error"]) == (400, code)
    assert audit(client, "?limit=0").status_code == 400


def test_more_entries_than_the_limit_say_so(client: Any, wecom: FakeWeComApi) -> None:
    for n in range(3):
        assert put_welcome(client, f"ch{n}", {"text": "hi"}).status_code == 200
    page = audit(client, "?limit=2").json_body
    assert [e["path"] for e in page["items"]] == [
        "/admin/welcome-messages/ch2",
        "/admin/welcome-messages/ch1",
    ]
    assert page["truncated"] is True
    assert audit(client, "?limit=3").json_body["truncated"] is False


def test_a_write_about_a_contact_is_on_their_timeline(client: Any, wecom: FakeWeComApi) -> None:
    from chalicelib.contacts import service as contacts
    from tests.support.fake_wecom_api import contact_event_xml, dispatch_again

    wecom.follow("wmAudit", "lisi", createtime=1_700_000_000, state="poster")
    dispatch_again(
        contact_event_xml("add_external_contact", "wmAudit", "lisi", create_time=1_700_000_000)
    )

    response = client.http.put(
        "/admin/contacts/wmAudit/referral-code",
        body=json.dumps({"title": "好友推荐"}),
        headers=JSON | bearer("operator", subject="carol"),
    )
    assert response.status_code == 200, response.body

    [entry] = entries(client)
    assert entry["params"] == {"external_userid": "wmAudit"} and entry["timeline"] == "written"
    [change] = [e for e in contacts.get_timeline("wmAudit", 20) if e.kind == "admin_change"]
    assert change.detail["principal"] == "carol" and change.detail["method"] == "PUT"
    assert change.detail["route"] == "/admin/contacts/{external_userid}/referral-code"
    assert change.detail["audit_id"] == entry["id"]
    timeline = client.http.get("/admin/contacts/wmAudit/timeline", headers=bearer("viewer"))
    assert "admin_change" in {item["kind"] for item in timeline.json_body["items"]}

    # A refused write about a contact is audited but not put on their timeline.
    missing = client.http.put(
        "/admin/contacts/wmNobody/referral-code", body="{}", headers=JSON | bearer("operator")
    )
    assert missing.status_code == 404
    assert entries(client)[0]["timeline"] is None
    assert contacts.get_timeline("wmNobody", 20) == []


def test_no_write_happens_when_the_audit_log_is_down(client: Any, wecom: FakeWeComApi) -> None:
    from chalicelib.core import aws as aws_clients
    from chalicelib.core.settings import get_settings

    aws_clients.client("dynamodb").delete_table(TableName=get_settings().table_name("audit-log"))
    refused = put_welcome(client, "poster", {"text": "hello"})
    assert (refused.status_code, refused.json_body["error"]) == (503, "audit_unavailable")
    found = client.http.get("/admin/welcome-messages/poster", headers=bearer("viewer"))
    assert found.status_code == 404  # the change was not made


def test_an_outcome_that_cannot_be_recorded_leaves_the_entry_started(
    client: Any, wecom: FakeWeComApi, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    from chalicelib.audit import store
    from chalicelib.audit.errors import AuditUnavailable

    def fail(*args: Any, **kwargs: Any) -> None:
        raise AuditUnavailable("the audit log did not accept the outcome")

    monkeypatch.setattr(store, "finish", fail)
    assert put_welcome(client, "poster", {"text": "hello"}).status_code == 200  # it happened
    monkeypatch.undo()
    [entry] = entries(client)
    assert (entry["outcome"], entry["status"]) == ("started", None)


#: GET routes whose every read is audited (customer lists: personal data in bulk).
BULK_READS = (
    "/admin/staff/{userid}/contacts",
    "/admin/groups/{chat_id}",
    "/admin/orders",
    "/admin/orders/unmatched",
)


def test_every_admin_write_route_is_audited() -> None:
    assert len(WRITE_ROUTES) >= 10
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            audited = getattr(entry.view_function, "audited", False)
            guarded = getattr(entry.view_function, "required_role", None) is not None
            assert audited == (guarded and method != "GET") or path in BULK_READS, (method, path)


def test_every_admin_write_route_leaves_an_entry_whatever_it_answers(
    client: Any, wecom: FakeWeComApi
) -> None:
    statuses = {}
    for path, method in WRITE_ROUTES:
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        response = client.http.request(method, concrete, headers=JSON | bearer(), body=b"{}")
        assert response.status_code < 500, (method, path, response.body)
        statuses[(concrete, method)] = response.status_code
    listed = audit(client, f"?limit={len(WRITE_ROUTES) + 5}").json_body["items"]
    assert {(e["path"], e["method"]): e["status"] for e in listed} == statuses
    print(f"admin write routes checked: {len(WRITE_ROUTES)}")
