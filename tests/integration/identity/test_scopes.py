"""Data scopes: a staff member sees only the customers they follow, a department lead those
of their departments' members; routes across customers refuse narrower scopes. Member
changes in WeCom end access by themselves. The audit log names the person."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.admin import bearer
from tests.support.identity import Browser, grant, sign_in

#: Customer -> the member who follows them.
CUSTOMERS = {"wmA": "zhangsan", "wmB": "lisi", "wmC": "wangwu", "wmD": "zhaoliu"}
CONTACT_READS = (
    "/admin/contacts/{c}",
    "/admin/contacts/{c}/timeline",
    "/admin/contacts/{c}/orders",
    "/admin/contacts/{c}/points",
    "/admin/contacts/{c}/tier",
    "/admin/contacts/{c}/groups",
    "/admin/screening/contacts/{c}",
)


@pytest.fixture
def customers(members: Any) -> Any:
    from chalicelib.contacts import service

    for customer, userid in CUSTOMERS.items():
        service.upsert_from_wecom(
            {"external_userid": customer, "name": customer, "type": 1},
            [{"userid": userid, "createtime": 1_700_000_000, "remark": ""}],
        )
    return members


def visible(browser: Browser) -> set[str]:
    seen = set()
    for customer in CUSTOMERS:
        answer = browser.get(f"/admin/contacts/{customer}")
        assert answer.status_code in (200, 403), answer.body
        if answer.status_code == 200:
            seen.add(customer)
        else:
            assert answer.json_body["error"] == "scope_required"
    return seen


def test_a_staff_member_sees_only_the_customers_they_follow(client: Any, customers: Any) -> None:
    grant("zhangsan", "staff", "own")
    browser = sign_in(client, customers, "zhangsan")
    assert visible(browser) == {"wmA"}
    for route in CONTACT_READS:
        own = browser.get(route.format(c="wmA"))
        assert own.status_code != 403, (route, own.body)
        other = browser.get(route.format(c="wmB"))
        assert other.status_code == 403 and other.json_body["error"] == "scope_required", route
    mine = browser.get("/admin/staff/zhangsan/contacts")
    assert mine.status_code == 200
    assert [row["external_userid"] for row in mine.json_body["items"]] == ["wmA"]
    assert browser.get("/admin/staff/lisi/contacts").status_code == 403
    # Lists across customers are not for a narrower scope (and not for the staff role).
    assert browser.get("/admin/groups").status_code == 403


def test_a_department_lead_sees_their_departments_and_those_below(
    client: Any, customers: Any
) -> None:
    grant("lead", "viewer", "departments", [2])
    customers.member("lead", "组长", [2])
    browser = sign_in(client, customers, "lead")
    # 华东 (2): zhangsan, lisi; 上海门店 (4) is under 华东: zhaoliu. 华南 (3) is not.
    assert visible(browser) == {"wmA", "wmB", "wmD"}
    assert browser.get("/admin/staff/lisi/contacts").status_code == 200
    assert browser.get("/admin/staff/wangwu/contacts").status_code == 403
    answer = browser.get("/admin/groups")
    assert answer.status_code == 403 and answer.json_body["error"] == "scope_required"


def test_a_customer_followed_by_two_members_is_seen_by_both(client: Any, customers: Any) -> None:
    from chalicelib.contacts import service

    service.upsert_from_wecom(
        {"external_userid": "wmA", "name": "wmA", "type": 1},
        [{"userid": "wangwu", "createtime": 1_700_000_100}],
    )
    grant("wangwu", "staff", "own")
    assert visible(sign_in(client, customers, "wangwu")) == {"wmA", "wmC"}


def test_writes_about_a_customer_check_the_scope(client: Any, customers: Any) -> None:
    grant("zhangsan", "operator", "own")
    browser = sign_in(client, customers, "zhangsan")
    body = b'{"points": 10, "reason": "goodwill", "idempotency_key": "k1"}'
    refused = browser.send("POST", "/admin/contacts/wmB/points/adjust", body)
    assert refused.status_code == 403 and refused.json_body["error"] == "scope_required"
    allowed = browser.send("POST", "/admin/contacts/wmA/points/adjust", body)
    assert allowed.status_code != 403, allowed.body


def test_a_token_with_an_own_scope_is_limited_like_a_session(client: Any, customers: Any) -> None:
    own = bearer("viewer", subject="lisi", scope="own")
    assert client.http.get("/admin/contacts/wmB", headers=own).status_code == 200
    assert client.http.get("/admin/contacts/wmA", headers=own).status_code == 403
    assert client.http.get("/admin/contacts/wmA", headers=bearer("viewer")).status_code == 200


def test_may_see_contact_is_the_query_other_contexts_call(aws: None, customers: Any) -> None:
    from chalicelib.identity.models import Principal, Scope
    from chalicelib.identity.queries import may_see_contact

    staff = Principal(userid="wangwu", role="staff", scope=Scope(kind="own"), via="token")
    lead = Principal(
        userid="x", role="viewer", scope=Scope(kind="departments", departments=[3]), via="token"
    )
    assert may_see_contact(staff, "wmC") and not may_see_contact(staff, "wmA")
    assert may_see_contact(lead, "wmC") and not may_see_contact(lead, "wmD")
    assert not may_see_contact(staff, "nobody")


# --- WeCom member changes ----------------------------------------------------------------


def _member_event(change_type: str, userid: str, status: int | None = None) -> None:
    from chalicelib.callbacks.dispatch import dispatch
    from chalicelib.wecom.events import MemberChange

    data: dict[str, Any] = {"key": f"evt:{change_type}:{userid}", "ChangeType": change_type}
    data["UserID"] = userid
    if status is not None:
        data["Status"] = str(status)
    dispatch(MemberChange.model_validate(data))


def test_a_member_disabled_in_wecom_loses_access_by_itself(client: Any, customers: Any) -> None:
    from chalicelib.identity import store

    grant("zhangsan", "staff", "own")
    browser = sign_in(client, customers, "zhangsan")
    customers.member("zhangsan", "张三", [2], status=2)
    _member_event("update_user", "zhangsan", status=2)
    _member_event("update_user", "zhangsan", status=2)  # a retried delivery: same effect
    assert browser.get("/auth/me").status_code == 401
    person = store.get_person("zhangsan")
    assert person is not None and person.status == "disabled"
    assert list(store.sessions_of("zhangsan")) == []
    # Enabled again: the grant an admin gave comes back (a new sign-in is needed).
    customers.member("zhangsan", "张三", [2], status=1)
    _member_event("update_user", "zhangsan", status=1)
    assert sign_in(client, customers, "zhangsan").get("/auth/me").status_code == 200


def test_a_member_deleted_in_wecom_loses_access(client: Any, customers: Any) -> None:
    grant("lisi", "admin", "all")
    browser = sign_in(client, customers, "lisi")
    del customers.members["lisi"]
    _member_event("delete_user", "lisi")
    assert browser.get("/auth/me").status_code == 401
    assert (
        client.http.get("/admin/people", headers=bearer("admin", subject="lisi")).status_code == 401
    )


def test_the_daily_reconcile_disables_members_gone_from_wecom(client: Any, customers: Any) -> None:
    from chalicelib.identity import service

    grant("zhangsan")
    grant("wangwu")
    browser = sign_in(client, customers, "wangwu")
    del customers.members["wangwu"]
    assert service.reconcile() == {"checked": 2, "disabled": 1}
    assert browser.get("/auth/me").status_code == 401
    assert service.person("zhangsan").status == "active"


def test_member_change_events_are_typed_from_the_callback_xml() -> None:
    from chalicelib.wecom.events import MemberChange, typed
    from chalicelib.wecom.inbound import parse_event
    from wecom_simulator.events import member_event

    event = typed(parse_event(member_event("ww1", 1, "update_user", "zhangsan", status=2)))
    assert isinstance(event, MemberChange) and event.status == 2
    event = typed(parse_event(member_event("ww1", 1, "delete_user", "zhangsan")))
    assert isinstance(event, MemberChange) and event.status is None


# --- the audit log names the person -------------------------------------------------------


def test_the_audit_log_names_the_person_and_records_refusals_and_bulk_reads(
    client: Any, customers: Any
) -> None:
    from chalicelib.audit import service as audit

    grant("zhangsan", "admin", "all")
    browser = sign_in(client, customers, "zhangsan")
    assert browser.send("PUT", "/admin/people/lisi", b'{"role": "viewer"}').status_code == 200
    assert browser.get("/admin/staff/lisi/contacts").status_code == 200
    assert client.http.get("/admin/people").status_code == 401
    assert (
        client.http.get("/admin/people", headers=bearer("viewer", subject="v1")).status_code == 403
    )

    entries = audit.entries(None, None, 50).items
    write = next(e for e in entries if e.method == "PUT")
    assert (write.principal, write.name, write.outcome) == ("zhangsan", "张三", "succeeded")
    read = next(e for e in entries if e.route == "/admin/staff/{userid}/contacts")
    assert read.principal == "zhangsan" and read.outcome == "succeeded"
    refusals = [(e.principal, e.status, e.reason) for e in entries if e.outcome == "refused"]
    assert ("anonymous", 401, "unauthenticated") in refusals
    assert ("v1", 403, "role_required") in refusals


def test_asking_who_one_is_without_a_credential_is_not_a_refused_attempt(client: Any) -> None:
    """The console asks ``/auth/me`` on every start; a visitor not signed in yet leaves no
    audit entry, while a forged session on the same route does."""
    from chalicelib.audit import service as audit

    assert client.http.get("/auth/me").status_code == 401
    assert [e for e in audit.entries(None, None, 50).items if e.route == "/auth/me"] == []
    forged = client.http.get("/auth/me", headers={"Cookie": "scrm_session=forged.value"})
    assert forged.status_code == 401
    [entry] = [e for e in audit.entries(None, None, 50).items if e.route == "/auth/me"]
    assert (entry.principal, entry.status, entry.outcome) == ("anonymous", 401, "refused")
