"""The HTTP edge checks credentials and files audit entries through what the identity and
audit contexts install in it; without them a guarded route stays closed (503), it never
runs unguarded or unaudited."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.core import http
from tests.support.admin import bearer

RULE = {"name": "VIP", "channel": "poster", "tag_ids": ["etVIP"]}


def test_with_no_access_check_installed_an_admin_route_answers_503(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(http._installed, "access")
    answer = client.http.get("/admin/tags", headers=bearer("admin"))
    assert answer.status_code == 503
    assert answer.json_body["error"] == "not_configured"
    # Public routes need neither.
    assert client.http.get("/health").status_code in (200, 503)


def test_with_no_audit_log_installed_a_write_is_refused_and_nothing_is_written(
    client: Any, wecom: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(http._installed, "audit")
    answer = client.http.put("/admin/tag-rules/vip", body=json.dumps(RULE), headers=bearer("admin"))
    assert answer.status_code == 503
    assert answer.json_body == {
        "error": "not_configured",
        "message": "no audit log is installed; the write was not attempted",
    }
    monkeypatch.undo()
    assert client.http.get("/admin/tag-rules/vip", headers=bearer("admin")).status_code == 404
    again = client.http.put("/admin/tag-rules/vip", body=json.dumps(RULE), headers=bearer("admin"))
    assert again.status_code == 200, again.body


def test_the_installed_parts_come_from_the_contexts(client: Any) -> None:
    from chalicelib.audit import recorder
    from chalicelib.identity import access

    assert http._installed["access"]() is access
    assert http._installed["audit"]() is recorder
