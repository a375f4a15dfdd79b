"""``GET /health`` (public, minimal, cached) and ``GET /admin/health`` (the detail)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.admin import bearer


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    from chalicelib.health import service

    service.forget()
    yield
    service.forget()


def test_public_health_says_ok_and_nothing_more(client: Any) -> None:
    response = client.http.get("/health")
    assert response.status_code == 200
    assert response.json_body == {"ok": True}
    assert response.headers["Cache-Control"] == "public, max-age=30"


def test_public_health_is_cached_so_anonymous_calls_cost_one_aws_call(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.core import aws

    calls: list[str] = []
    real = aws.client

    def counting(name: str) -> Any:
        calls.append(name)
        return real(name)

    monkeypatch.setattr(aws, "client", counting)
    for _ in range(20):
        assert client.http.get("/health").status_code == 200
    assert calls == ["dynamodb"]


def test_public_health_is_503_without_naming_the_store(client: Any) -> None:
    from chalicelib.core import aws
    from chalicelib.core.settings import get_settings

    aws.client("dynamodb").delete_table(TableName=get_settings().table_name("runtime-state"))
    response = client.http.get("/health")
    assert response.status_code == 503
    assert response.json_body == {"ok": False}


def test_admin_health_names_the_stage_each_store_secret_and_wecom(client: Any, wecom: Any) -> None:
    response = client.http.get("/admin/health", headers=bearer("admin"))
    assert response.status_code == 200, response.json_body
    body = response.json_body
    assert body["stage"] == "local" and body["ok"] is True
    assert body["checks"]["dynamodb"] == "ok" and body["checks"]["s3"] == "ok"
    assert body["checks"]["secret:ADMIN_JWT_SECRET"] == "ok"
    assert body["checks"]["wecom_token"] == "ok" and body["checks"]["wecom_api"] == "ok"


def test_admin_health_is_for_admins_only(client: Any) -> None:
    assert client.http.get("/admin/health").status_code == 401
    assert client.http.get("/admin/health", headers=bearer("viewer")).status_code == 403


def test_admin_health_is_503_naming_the_store_that_does_not_answer(client: Any, wecom: Any) -> None:
    from chalicelib.core import aws

    aws.client("s3").delete_bucket(Bucket="scrm-test-reports")
    response = client.http.get("/admin/health", headers=bearer("admin"))
    assert response.status_code == 503
    assert response.json_body["checks"]["dynamodb"] == "ok"
    assert response.json_body["checks"]["s3"].startswith("error: ")


def test_admin_health_shows_a_short_key_without_its_value(
    client: Any, wecom: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PHONE_HASH_KEY", "short-key")
    response = client.http.get("/admin/health", headers=bearer("admin"))
    assert response.status_code == 503
    assert "at least 24" in response.json_body["checks"]["secret:PHONE_HASH_KEY"]
    assert "short-key" not in response.body.decode()
