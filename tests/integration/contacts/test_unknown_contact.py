"""A route about one customer answers 404 for a customer the product does not know, not
an empty 200 (a balance of 0, no orders, no tier) that reads as a real customer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.admin import bearer
from tests.support.contacts import known_contact

ROUTES = [
    ("GET", "/admin/contacts/{id}/points"),
    ("GET", "/admin/contacts/{id}/points/reconcile"),
    ("GET", "/admin/contacts/{id}/tier"),
    ("GET", "/admin/contacts/{id}/orders"),
    ("GET", "/admin/contacts/{id}/timeline"),
    ("GET", "/admin/contacts/{id}/groups"),
    ("GET", "/admin/screening/contacts/{id}"),
    ("POST", "/admin/contacts/{id}/points/adjust"),
    ("POST", "/admin/contacts/{id}/points/redeem"),
    ("POST", "/admin/contacts/{id}/points/tasks"),
]
BODIES = {
    "/admin/contacts/{id}/points/adjust": {"delta": 10, "reason": "goodwill", "request_id": "r1"},
    "/admin/contacts/{id}/points/redeem": {"points": 1, "reason": "gift", "request_id": "r2"},
    "/admin/contacts/{id}/points/tasks": {"task": "profile", "ref": "x"},
}


@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_an_unknown_contact_is_a_404(client: Any, method: str, route: str) -> None:
    answer = client.http.request(
        method,
        route.format(id="wmNobody"),
        body=None if method == "GET" else json.dumps(BODIES[route]),
        headers={"Content-Type": "application/json"} | bearer("admin"),
    )
    assert answer.status_code == 404, answer.body
    assert answer.json_body["error"] == "contact_not_found"
    assert "wmNobody" in answer.json_body["message"]


@pytest.mark.parametrize(("method", "route"), [r for r in ROUTES if r[0] == "GET"])
def test_a_known_contact_with_nothing_yet_is_answered(client: Any, method: str, route: str) -> None:
    known_contact("wmKnown")
    answer = client.http.get(route.format(id="wmKnown"), headers=bearer("admin"))
    assert answer.status_code == 200, answer.body
    if "screening" in route:  # known, not screened yet: an empty screening (profiles read it)
        assert (answer.json_body["segment"], answer.json_body["score"]) == (None, None)
