"""The tag catalogue mirror and auto-tag rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.callbacks import processing
from chalicelib.contacts import service as contacts
from chalicelib.tags import service
from chalicelib.tags.models import TagRuleIn
from tests.support.admin import bearer
from tests.support.fake_wecom_api import (
    FakeWeComApi,
    contact_event_xml,
    stored_event,
    tag_event_xml,
)

#: Saturday 2023-11-18 01:30 in Asia/Shanghai (Friday 17:30 UTC).
SATURDAY_0130 = 1_700_242_200
EXT = "wmTagged"


def groups(*tags: tuple[str, str]) -> list[dict[str, Any]]:
    return [
        {"group_id": "g1", "group_name": "Interest", "tag": [{"id": i, "name": n} for i, n in tags]}
    ]


def test_a_tag_event_resyncs_the_catalogue_and_drops_deleted_tags(wecom: FakeWeComApi) -> None:
    wecom.tag_groups = groups(("et1", "Tea"), ("et2", "Coffee"))
    processing.process(stored_event(tag_event_xml("create", "et2")))
    assert [t.name for t in service.list_tags()] == ["Coffee", "Tea"]
    wecom.tag_groups = groups(("et2", "Coffee beans"))
    processing.process(stored_event(tag_event_xml("delete", "et1")))
    assert [(t.tag_id, t.name, t.group_name) for t in service.list_tags()] == [
        ("et2", "Coffee beans", "Interest")
    ]


def test_sync_route_needs_admin_and_list_needs_viewer(client: Any, wecom: FakeWeComApi) -> None:
    wecom.tag_groups = groups(("et1", "Tea"))
    assert client.http.post("/admin/tags/sync", headers=bearer("operator")).status_code == 403
    synced = client.http.post("/admin/tags/sync", headers=bearer("admin"))
    assert synced.status_code == 200 and synced.json_body["items"][0]["tag_id"] == "et1"
    listed = client.http.get("/admin/tags", headers=bearer("viewer"))
    assert [t["name"] for t in listed.json_body["items"]] == ["Tea"]
    assert client.http.get("/admin/tags").status_code == 401


def test_rule_crud_by_role_with_validation(client: Any, wecom: FakeWeComApi) -> None:
    rule = {"tag_ids": ["et1"], "gender": 2, "weekdays": [5, 6], "hours": {"start": 22, "end": 6}}
    headers = {**bearer("admin"), "Content-Type": "application/json"}
    put = client.http.put("/admin/tag-rules/night-owls", body=json.dumps(rule), headers=headers)
    assert put.status_code == 200, put.body
    got = client.http.get("/admin/tag-rules/night-owls", headers=bearer("viewer")).json_body
    assert got["hours"] == {"start": 22, "end": 6} and got["weekdays"] == [5, 6]
    assert got["channel"] is None
    viewer = {**bearer("viewer"), "Content-Type": "application/json"}
    denied = client.http.put("/admin/tag-rules/x", body=json.dumps(rule), headers=viewer)
    assert denied.status_code == 403
    bad = client.http.put(
        "/admin/tag-rules/x", body=json.dumps({**rule, "gender": 3}), headers=headers
    )
    assert bad.status_code == 400
    empty = client.http.put("/admin/tag-rules/x", body='{"tag_ids": []}', headers=headers)
    assert empty.status_code == 400
    listed = client.http.get("/admin/tag-rules", headers=bearer("viewer")).json_body
    assert [r["rule_id"] for r in listed["items"]] == ["night-owls"]
    assert (
        client.http.delete("/admin/tag-rules/night-owls", headers=bearer("admin")).status_code
        == 204
    )
    assert (
        client.http.get("/admin/tag-rules/night-owls", headers=bearer("viewer")).status_code == 404
    )


@pytest.fixture
def rules(wecom: FakeWeComApi) -> FakeWeComApi:
    wecom.tag_groups = groups(("etNight", "Night"), ("etFemale", "Female"), ("etAds", "Ads"))
    service.sync_catalogue()
    service.put_rule(
        "night",
        TagRuleIn(tag_ids=["etNight"], weekdays=[5], hours={"start": 22, "end": 6}),  # type: ignore[arg-type]
    )
    service.put_rule("female", TagRuleIn(tag_ids=["etFemale", "etNight"], gender=2))
    service.put_rule("ads", TagRuleIn(tag_ids=["etAds"], channel="ads"))
    service.put_rule("gone", TagRuleIn(tag_ids=["etDeletedInWeCom"]))
    return wecom


def test_matching_rules_are_marked_in_one_call_and_mirrored(rules: FakeWeComApi) -> None:
    rules.customer(EXT, gender=2)
    rules.follow(EXT, "zhangsan", createtime=SATURDAY_0130, state="poster")
    xml = contact_event_xml(
        "add_external_contact", EXT, "zhangsan", create_time=SATURDAY_0130, state="poster"
    )
    processing.process(stored_event(xml))
    # Friday-night window (22 → 6) holds at Saturday 01:30; gender 2 holds; channel ads does not.
    assert rules.marks == [
        {"userid": "zhangsan", "external_userid": EXT, "add": ["etFemale", "etNight"]}
    ]
    contact = contacts.get_contact(EXT)
    assert contact.tag_ids == ["etFemale", "etNight"]
    assert contact.relationships[0].tag_ids == ["etFemale", "etNight"]
    [tagged] = [e for e in contacts.get_timeline(EXT, 10) if e.kind == "tagged"]
    assert tagged.detail["tag_ids"] == ["etFemale", "etNight"]


def test_no_matching_rule_means_no_call(rules: FakeWeComApi) -> None:
    rules.customer(EXT, gender=1)
    rules.follow(EXT, "zhangsan", createtime=SATURDAY_0130 + 12 * 3600, state="poster")
    xml = contact_event_xml(
        "add_external_contact", EXT, "zhangsan", create_time=SATURDAY_0130 + 12 * 3600
    )
    processing.process(stored_event(xml))
    assert rules.marks == []
    assert contacts.get_contact(EXT).tag_ids == []
