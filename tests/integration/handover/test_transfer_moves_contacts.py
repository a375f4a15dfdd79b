"""A completed transfer moves the customer: the takeover's relationship is active with the
old channel, the old one ended by transfer, both staff lists and the counters agree."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.contacts import service as contacts
from chalicelib.reports import handlers as report_handlers
from chalicelib.reports.queries import day_counters as report_counters
from chalicelib.signals import ContactAdded
from chalicelib.wecom.events import ContactChange
from tests.support.admin import bearer
from tests.support.fake_group_world import FakeGroupWorld
from tests.support.fake_wecom_api import contact_event_xml, dispatch_again

CONTACT_COUNTERS = ("adds", "deletions_by_customer", "deletions_by_staff", "deletions_by_transfer")


def day_counters(day: str, dimension: str) -> dict[str, int]:
    """The adds and deletions of a day's dimension (the reports' counters)."""
    counters = report_counters(day, dimension)
    return {name: counters[name] for name in CONTACT_COUNTERS if name in counters}


JSON = {"Content-Type": "application/json"}
T0 = 1_700_000_000
TAKEOVER_TIME = 1_700_086_400  # what the fake's transfer_result answers
DAY = "2023-11-15"
TAKEOVER_DAY = "2023-11-16"


def post(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.http.post(path, headers={**bearer("admin"), **JSON}, body=json.dumps(body))


def _customer_of_zhangsan(world: FakeGroupWorld, ext: str) -> None:
    world.follows["zhangsan"] = [ext]
    contact = contacts.record_add(ext, "zhangsan", T0, "lc:live1:poster", f"add-{ext}")
    event = ContactChange.model_validate(
        {
            "key": f"add-{ext}",
            "ChangeType": "add_external_contact",
            "UserID": "zhangsan",
            "ExternalUserID": ext,
            "State": "lc:live1:poster",
            "CreateTime": T0,
        }
    )
    report_handlers.on_contact_added(ContactAdded(f"add-{ext}", event, contact))


def _check_moved(client: Any, ext: str, day: str) -> None:
    viewer = bearer("viewer")
    contact = client.http.get(f"/admin/contacts/{ext}", headers=viewer).json_body
    assert contact["status"] == "active"
    rels = {r["staff_userid"]: r for r in contact["relationships"]}
    assert (rels["zhangsan"]["status"], rels["zhangsan"]["ended_by"]) == ("ended", "transfer")
    assert (rels["lisi"]["status"], rels["lisi"]["channel"], rels["lisi"]["code"]) == (
        "active",
        "poster",
        "live1",
    )
    assert rels["lisi"]["via"] == "transfer"
    assert contact["first_channel"] == "poster"
    lisi = client.http.get("/admin/staff/lisi/contacts", headers=viewer).json_body["items"]
    assert [(r["external_userid"], r["status"]) for r in lisi] == [(ext, "active")]
    zhangsan = client.http.get("/admin/staff/zhangsan/contacts", headers=viewer).json_body
    assert [(r["external_userid"], r["status"]) for r in zhangsan["items"]] == [(ext, "ended")]
    # a transfer is neither a new add nor a loss: only deletions_by_transfer moves, once
    assert day_counters(DAY, "channel#poster") == {"adds": 1}
    assert day_counters(day, "channel#poster") == {"deletions_by_transfer": 1}
    kinds = [e.kind for e in contacts.get_timeline(ext, 20)]
    assert kinds.count("transferred") == 1


@pytest.mark.parametrize("resigned", [True, False])
def test_a_completed_transfer_gives_the_takeover_an_active_relationship(
    client: Any, world: FakeGroupWorld, resigned: bool
) -> None:
    ext = "wmMoved"
    _customer_of_zhangsan(world, ext)
    body = {
        "handover_userid": "zhangsan",
        "takeover_userid": "lisi",
        "external_userids": [ext],
        "resigned": resigned,
    }
    assert post(client, "/admin/handover/transfer", body).status_code == 200
    world.settle(ext, 1)
    assert post(client, "/admin/handover/refresh", {}).status_code == 200
    _check_moved(client, ext, TAKEOVER_DAY)
    assert post(client, "/admin/handover/refresh", {}).status_code == 200  # again: no change
    _check_moved(client, ext, TAKEOVER_DAY)


def test_an_on_job_transfer_told_by_its_event_then_by_transfer_result_moves_once(
    client: Any, world: FakeGroupWorld
) -> None:
    ext = "wmOnJob"
    _customer_of_zhangsan(world, ext)
    body = {"handover_userid": "zhangsan", "takeover_userid": "lisi", "external_userids": [ext]}
    assert post(client, "/admin/handover/transfer", body).status_code == 200
    done = TAKEOVER_TIME
    event = contact_event_xml(
        "del_external_contact", ext, "zhangsan", create_time=done, source="DELETE_BY_TRANSFER"
    )
    dispatch_again(event)
    _check_moved(client, ext, TAKEOVER_DAY)
    dispatch_again(event)  # WeCom's retry
    world.settle(ext, 1)
    assert post(client, "/admin/handover/refresh", {}).status_code == 200
    _check_moved(client, ext, TAKEOVER_DAY)
