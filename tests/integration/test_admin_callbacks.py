"""The inbox's admin routes: dead letters are visible and can be requeued, by role."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from chalicelib.callbacks import processing, store
from chalicelib.wecom.inbound import parse_event
from tests.support.admin import bearer
from tests.support.wecom import add_contact_xml


@pytest.fixture
def dead_key(aws: None) -> str:
    event = parse_event(add_contact_xml(external_userid="wmDead"))
    store.record(event, ttl_days=1)
    item = store.claim(event.key, now=0, lease_s=60)
    assert item is not None
    store.retry_later(item, "WeComUnavailable: busy", due_at=0, dead=True)
    return event.key


def test_a_viewer_sees_dead_letters_with_their_last_error(client: Any, dead_key: str) -> None:
    response = client.http.get("/admin/callbacks/dead-letters", headers=bearer("viewer"))
    assert response.status_code == 200
    [item] = response.json_body["items"]
    assert item["key"] == dead_key
    assert item["last_error"] == "WeComUnavailable: busy"


def test_a_viewer_may_not_requeue(client: Any, dead_key: str) -> None:
    response = client.http.post(
        f"/admin/callbacks/{quote(dead_key)}/requeue", headers=bearer("viewer")
    )
    assert response.status_code == 403
    assert response.json_body["error"] == "role_required"


def test_an_operator_requeues_and_the_sweeper_processes_it(client: Any, dead_key: str) -> None:
    response = client.http.post(
        f"/admin/callbacks/{quote(dead_key)}/requeue", headers=bearer("operator")
    )
    assert response.status_code == 200
    assert response.json_body["status"] == store.FAILED
    assert [r.outcome for r in processing.sweep(dispatch=lambda event: None)] == ["processed"]
    again = client.http.post(
        f"/admin/callbacks/{quote(dead_key)}/requeue", headers=bearer("operator")
    )
    assert again.status_code == 409


def test_no_token_is_refused(client: Any, dead_key: str) -> None:
    assert client.http.get("/admin/callbacks/dead-letters").status_code == 401


def test_an_expired_token_is_refused(client: Any, dead_key: str) -> None:
    response = client.http.get("/admin/callbacks/dead-letters", headers=bearer("admin", ttl_s=-10))
    assert response.status_code == 401
    assert response.json_body["error"] == "invalid_token"


def test_an_unknown_event_is_404(client: Any) -> None:
    response = client.http.get("/admin/callbacks/evt%3Anope", headers=bearer("viewer"))
    assert response.status_code == 404


def test_a_bad_limit_is_400(client: Any) -> None:
    response = client.http.get("/admin/callbacks/dead-letters?limit=0", headers=bearer("viewer"))
    assert response.status_code == 400
