"""Editing a customer's corporate tags from the console: WeCom first, then the mirror."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.callbacks import processing
from tests.support.admin import bearer
from tests.support.fake_wecom_api import FakeWeComApi, contact_event_xml, stored_event

T0 = 1_700_000_000


@pytest.fixture
def followed(wecom: FakeWeComApi) -> FakeWeComApi:
    wecom.customer("wmTag", name="Tagged")
    for index, userid in enumerate(("zhangsan", "lisi")):
        wecom.follow("wmTag", userid, createtime=T0 + index, tags=["etOld"])
        xml = contact_event_xml("add_external_contact", "wmTag", userid, create_time=T0 + index)
        processing.process(stored_event(xml))
    return wecom


def _tags(client: Any, body: dict[str, Any], role: str = "operator") -> Any:
    return client.http.post(
        "/admin/contacts/wmTag/tags",
        body=json.dumps(body),
        headers={**bearer(role), "Content-Type": "application/json"},
    )


def test_tags_added_and_removed_on_every_relationship_reach_wecom_and_the_profile(
    client: Any, followed: FakeWeComApi
) -> None:
    followed.marks.clear()
    answer = _tags(client, {"add": ["etNew"], "remove": ["etOld"]})
    assert answer.status_code == 200, answer.json_body
    body = answer.json_body
    assert body["tag_ids"] == ["etNew"]
    assert {r["staff_userid"]: r["tag_ids"] for r in body["relationships"]} == {
        "zhangsan": ["etNew"],
        "lisi": ["etNew"],
    }
    assert sorted((m["userid"], m["add"], m["remove"]) for m in followed.marks) == [
        ("lisi", ["etNew"], ["etOld"]),
        ("zhangsan", ["etNew"], ["etOld"]),
    ]
    timeline = client.http.get("/admin/contacts/wmTag/timeline", headers=bearer("viewer"))
    kinds = [e["kind"] for e in timeline.json_body["items"]]
    assert kinds.count("tagged") == 2 and kinds.count("untagged") == 2

    # The same request again changes nothing and calls WeCom no more.
    again = _tags(client, {"add": ["etNew"], "remove": ["etOld"]})
    assert again.status_code == 200 and again.json_body["tag_ids"] == ["etNew"]
    assert len(followed.marks) == 2


def test_one_staff_members_relationship_only(client: Any, followed: FakeWeComApi) -> None:
    answer = _tags(client, {"add": ["etVip"], "staff_userid": "lisi"})
    assert answer.status_code == 200
    rels = {r["staff_userid"]: r["tag_ids"] for r in answer.json_body["relationships"]}
    assert rels == {"zhangsan": ["etOld"], "lisi": ["etOld", "etVip"]}
    assert sorted(answer.json_body["tag_ids"]) == ["etOld", "etVip"]
    nobody = _tags(client, {"add": ["etVip"], "staff_userid": "wangwu"})
    assert nobody.status_code == 409 and nobody.json_body["error"] == "not_following"


def test_bad_requests_are_refused_with_the_reason(client: Any, followed: FakeWeComApi) -> None:
    empty = _tags(client, {})
    assert empty.status_code == 400 and "tags to add or to remove" in empty.json_body["message"]
    both = _tags(client, {"add": ["etA"], "remove": ["etA"]})
    assert both.status_code == 400
    assert _tags(client, {"add": ["etA"]}, role="viewer").status_code == 403
    missing = client.http.post(
        "/admin/contacts/wmNobody/tags",
        body='{"add": ["etA"]}',
        headers={**bearer("operator"), "Content-Type": "application/json"},
    )
    assert missing.status_code == 404
