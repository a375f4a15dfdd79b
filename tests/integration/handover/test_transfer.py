"""Handover: per-customer results, refreshed from transfer_result; WeCom's 2-per-90-days cap."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.core.errors import Conflict
from chalicelib.handover import service, store
from chalicelib.handover.models import TransferRequest
from tests.support.admin import bearer
from tests.support.fake_group_world import NO_RELATIONSHIP, FakeGroupWorld

JSON = {"Content-Type": "application/json"}


def post(client: Any, path: str, body: dict[str, Any], role: str = "admin") -> Any:
    return client.http.post(path, headers={**bearer(role), **JSON}, body=json.dumps(body))


def transfer_calls(world: FakeGroupWorld) -> list[dict[str, Any]]:
    return [d for p, d in world.calls if p.endswith("transfer_customer")]


def test_a_handover_records_each_customers_result_and_refreshes_them(
    client: Any, world: FakeGroupWorld
) -> None:
    world.follows["zhangsan"] = ["wmA", "wmB", "wmC"]
    body = {
        "handover_userid": "zhangsan",
        "takeover_userid": "lisi",
        "external_userids": ["wmA", "wmB", "wmC", "wmStranger"],
        "transfer_success_msg": "lisi will look after you now",
    }
    response = post(client, "/admin/handover/transfer", body)
    assert response.status_code == 200
    assert (response.json_body["accepted"], response.json_body["failed"]) == (3, 1)
    stranger = store.get_transfer("zhangsan", "wmStranger")
    assert stranger is not None
    assert (stranger.status, stranger.errcode) == ("failed", NO_RELATIONSHIP)
    stored = store.get_transfer("zhangsan", "wmA")
    assert stored is not None
    assert (stored.status, stored.takeover_userid, stored.requested_by) == (
        "waiting",
        "lisi",
        "tester",
    )
    assert transfer_calls(world)[0]["transfer_success_msg"] == "lisi will look after you now"

    world.settle("wmA", 1)
    world.settle("wmB", 3)
    refreshed = post(client, "/admin/handover/refresh", {})
    assert refreshed.status_code == 200
    assert refreshed.json_body == {"pairs": 1, "updated": 2, "still_open": 1}

    listed = client.http.get("/admin/handover/zhangsan", headers=bearer("viewer"))
    assert listed.status_code == 200
    statuses = {t["external_userid"]: t["status"] for t in listed.json_body["items"]}
    assert statuses == {
        "wmA": "success",
        "wmB": "refused",
        "wmC": "waiting",
        "wmStranger": "failed",
    }
    assert (
        next(t for t in listed.json_body["items"] if t["external_userid"] == "wmA")["takeover_time"]
        == 1_700_086_400
    )

    world.settle("wmC", 4)
    assert service.refresh().model_dump() == {"pairs": 1, "updated": 1, "still_open": 0}
    assert list(store.waiting_pairs(None, 10)) == []  # nothing left to poll
    assert service.refresh().pairs == 0


def test_more_than_100_customers_go_to_wecom_100_at_a_time(world: FakeGroupWorld) -> None:
    customers = [f"wm{i:03d}" for i in range(230)]
    world.follows["zhangsan"] = customers
    request = TransferRequest(
        handover_userid="zhangsan", takeover_userid="lisi", external_userids=customers
    )
    outcome = service.transfer(request, requested_by="ops")
    assert outcome.accepted == 230
    assert [len(d["external_userid"]) for d in transfer_calls(world)] == [100, 100, 30]
    assert len(service.list_transfers("zhangsan", 1000)) == 230


def test_a_resigned_handover_uses_the_resigned_endpoints(world: FakeGroupWorld) -> None:
    world.follows["gone"] = ["wmA"]
    request = TransferRequest(
        handover_userid="gone",
        takeover_userid="lisi",
        external_userids=["wmA"],
        resigned=True,
        transfer_success_msg="ignored for resigned members",
    )
    service.transfer(request, requested_by="ops")
    [(path, data)] = [(p, d) for p, d in world.calls if "transfer" in p]
    assert path == "externalcontact/resigned/transfer_customer"
    assert "transfer_success_msg" not in data
    world.settle("wmA", 1)
    service.refresh("gone")
    assert any(p == "externalcontact/resigned/transfer_result" for p, _ in world.calls)
    assert store.get_transfer("gone", "wmA").status == "success"  # type: ignore[union-attr]


def _move(world: FakeGroupWorld, handover: str, takeover: str, customer: str) -> None:
    world.follows.setdefault(handover, []).append(customer)
    service.transfer(
        TransferRequest(
            handover_userid=handover, takeover_userid=takeover, external_userids=[customer]
        ),
        requested_by="ops",
    )


def test_the_third_transfer_in_90_days_is_refused_before_wecom_is_called(
    client: Any, world: FakeGroupWorld
) -> None:
    _move(world, "a", "b", "wmA")
    _move(world, "b", "c", "wmA")
    calls = len(transfer_calls(world))
    world.follows.setdefault("c", []).append("wmA")
    body = {"handover_userid": "c", "takeover_userid": "d", "external_userids": ["wmA", "wmB"]}
    response = post(client, "/admin/handover/transfer", body)
    assert response.status_code == 409
    assert response.json_body["error"] == "transfer_limit_reached"
    assert "wmA" in response.json_body["message"]
    assert len(transfer_calls(world)) == calls  # WeCom was never asked
    assert store.get_transfer("c", "wmB") is None


def test_a_transfer_that_did_not_move_the_customer_gives_its_slot_back(
    world: FakeGroupWorld,
) -> None:
    _move(world, "a", "b", "wmA")
    world.settle("wmA", 3)  # the customer refused
    service.refresh()
    _move(world, "a", "c", "wmA")
    _move(world, "c", "d", "wmA")  # still allowed: the refused one does not count
    with pytest.raises(Conflict):
        _move(world, "d", "e", "wmA")


def test_a_per_customer_error_gives_its_slot_back(world: FakeGroupWorld) -> None:
    for _ in range(3):  # wmNobody is no one's customer: WeCom refuses each time
        service.transfer(
            TransferRequest(
                handover_userid="a", takeover_userid="b", external_userids=["wmNobody"]
            ),
            requested_by="ops",
        )
    assert store.get_transfer("a", "wmNobody").status == "failed"  # type: ignore[union-attr]


def test_handover_routes_by_role(client: Any, world: FakeGroupWorld) -> None:
    body = {"handover_userid": "a", "takeover_userid": "b", "external_userids": ["wmA"]}
    assert post(client, "/admin/handover/transfer", body, role="viewer").status_code == 403
    assert post(client, "/admin/handover/transfer", body, role="operator").status_code == 403
    assert post(client, "/admin/handover/refresh", {}, role="viewer").status_code == 403
    assert client.http.post("/admin/handover/transfer", body=json.dumps(body)).status_code == 401
    assert client.http.get("/admin/handover/a").status_code == 401
    assert client.http.get("/admin/handover/a", headers=bearer("viewer")).json_body == {"items": []}
    bad = {**body, "takeover_userid": "a"}
    assert post(client, "/admin/handover/transfer", bad).status_code == 400


def test_the_hourly_schedule_refreshes_results(client: Any, world: FakeGroupWorld) -> None:
    _move(world, "a", "b", "wmA")
    world.settle("wmA", 1)
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    result = client.lambda_.invoke("refresh_transfers", event)
    assert result.payload == {"pairs": 1, "updated": 1, "still_open": 0}
