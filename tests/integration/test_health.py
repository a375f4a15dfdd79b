"""``GET /health``."""

from __future__ import annotations

from typing import Any


def test_health_names_the_stage_and_each_store(client: Any) -> None:
    response = client.http.get("/health")
    assert response.status_code == 200
    assert response.json_body == {
        "stage": "local",
        "ok": True,
        "checks": {"dynamodb": "ok", "s3": "ok"},
    }


def test_health_is_503_naming_the_store_that_does_not_answer(client: Any) -> None:
    from chalicelib.core import aws

    aws.client("s3").delete_bucket(Bucket="scrm-test-reports")
    response = client.http.get("/health")
    assert response.status_code == 503
    assert response.json_body["checks"]["dynamodb"] == "ok"
    assert response.json_body["checks"]["s3"].startswith("error: ")
