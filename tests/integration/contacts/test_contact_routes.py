"""Admin views of contacts, by role."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.callbacks import processing
from tests.support.admin import bearer
from tests.support.fake_wecom_api import FakeWeComApi, contact_event_xml, stored_event

T0 = 1_700_000_000


@pytest.fixture
def two_customers(wecom: FakeWeComApi) -> FakeWeComApi:
    for index, ext in enumerate(("wmOne", "wmTwo")):
        wecom.customer(ext, name=f"Customer {index}")
        wecom.follow(
            ext, "zhangsan", createtime=T0 + index, state="ads", remark_mobiles=["13800138000"]
        )
        processing.process(
            stored_event(
                contact_event_xml(
                    "add_external_contact", ext, "zhangsan", create_time=T0 + index, state="ads"
                )
            )
        )
    processing.process(
        stored_event(
            contact_event_xml("edit_external_contact", "wmOne", "zhangsan", create_time=T0 + 99)
        )
    )
    return wecom


def test_a_viewer_reads_a_contact_with_relationships_and_phone_hashes_only(
    client: Any, two_customers: FakeWeComApi
) -> None:
    response = client.http.get("/admin/contacts/wmOne", headers=bearer("viewer"))
    assert response.status_code == 200
    body = response.json_body
    assert body["name"] == "Customer 0" and body["first_channel"] == "ads"
    [rel] = body["relationships"]
    assert rel["staff_userid"] == "zhangsan" and len(rel["phone_hashes"][0]) == 64
    assert "13800138000" not in response.body.decode()


def test_the_timeline_is_newest_first_and_limited(client: Any, two_customers: FakeWeComApi) -> None:
    response = client.http.get("/admin/contacts/wmOne/timeline?limit=1", headers=bearer("viewer"))
    assert response.status_code == 200
    assert [e["kind"] for e in response.json_body["items"]] == ["edited"]
    full = client.http.get("/admin/contacts/wmOne/timeline", headers=bearer("viewer")).json_body
    assert [e["kind"] for e in full["items"]] == ["edited", "added"]
    bad = client.http.get("/admin/contacts/wmOne/timeline?limit=0", headers=bearer("viewer"))
    assert bad.status_code == 400


def test_a_staff_members_customers_newest_first(client: Any, two_customers: FakeWeComApi) -> None:
    response = client.http.get("/admin/staff/zhangsan/contacts?limit=5", headers=bearer("viewer"))
    assert response.status_code == 200
    assert [r["external_userid"] for r in response.json_body["items"]] == ["wmTwo", "wmOne"]
    other = client.http.get("/admin/staff/nobody/contacts", headers=bearer("viewer"))
    assert other.json_body["items"] == []


def test_unknown_contact_is_404_and_no_token_is_401(client: Any, wecom: FakeWeComApi) -> None:
    missing = client.http.get("/admin/contacts/wmNobody", headers=bearer("viewer"))
    assert missing.status_code == 404 and missing.json_body["error"] == "contact_not_found"
    assert client.http.get("/admin/contacts/wmNobody").status_code == 401
