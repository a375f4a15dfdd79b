"""Admin writes read their body as JSON whatever the request's Content-Type (curl sends
form encoding unless told otherwise), and a body nested too deep for any parser is a 400
with nothing written, the audit log included."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.admin import bearer
from tests.support.fake_wecom_api import FakeWeComApi

DEEP = b"[" * 50_000 + b"]" * 50_000
DEEP_OBJECT = b'{"text": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_000 + b"}"


def audit_entries(client: Any) -> list[dict[str, Any]]:
    answer = client.http.get("/admin/audit", headers=bearer("admin"))
    assert answer.status_code == 200, answer.body
    return list(answer.json_body["items"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/admin/welcome-messages/poster"),
        ("PUT", "/admin/live-codes/deep"),
        ("POST", "/admin/contacts/wmX/points/adjust"),
        ("PUT", "/admin/tag-rules/deep"),
        ("POST", "/admin/reports"),
    ],
)
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_a_deeply_nested_body_is_a_400_and_nothing_is_written(
    client: Any, wecom: FakeWeComApi, method: str, path: str, body: bytes
) -> None:
    answer = client.http.request(
        method,
        path,
        body=body,
        headers={"Content-Type": "application/json"} | bearer("admin"),
    )
    assert answer.status_code == 400, answer.body
    assert answer.json_body["error"] == "too_deep"
    assert "deeper than" in answer.json_body["message"]
    assert audit_entries(client) == []
    assert wecom.way_calls == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"Content-Type": "application/x-www-form-urlencoded"}, {"Content-Type": "text/plain"}],
    ids=["none", "form", "text"],
)
def test_an_admin_write_takes_json_without_the_json_content_type(
    client: Any, wecom: FakeWeComApi, headers: dict[str, str]
) -> None:
    answer = client.http.put(
        "/admin/welcome-messages/poster",
        body=json.dumps({"text": "您好"}),
        headers=headers | bearer("operator"),
    )
    assert answer.status_code == 200, answer.body
    read = client.http.get("/admin/welcome-messages/poster", headers=bearer("viewer"))
    assert read.json_body["text"] == "您好"


def test_a_body_that_is_not_json_is_still_a_400_whatever_its_type(
    client: Any, wecom: FakeWeComApi
) -> None:
    answer = client.http.put(
        "/admin/welcome-messages/poster",
        body="text=hello",
        headers={"Content-Type": "application/x-www-form-urlencoded"} | bearer("operator"),
    )
    assert (answer.status_code, answer.json_body["error"]) == (400, "bad_request")
