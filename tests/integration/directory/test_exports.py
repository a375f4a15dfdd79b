"""Exports: a job (never the API call) writes a filter's customers as CSV or XLSX to the
report bucket with progress; the link is presigned and short-lived; the request is in the
audit log; phone numbers appear only as their stored hashes."""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

import pytest

from chalicelib.core.aws import client as aws_client
from chalicelib.core.settings import get_settings
from tests.support.admin import bearer
from tests.support.directory import put_base, row

ROWS = [row(n, phone_hashes=[f"{n:064x}"], remarks="=HYPERLINK(1)") for n in range(120)]


def _wait_done(client: Any, export_id: str, timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        state = client.http.get(
            f"/admin/directory/exports/{export_id}", headers=bearer("operator")
        ).json_body
        if state["status"] in ("done", "failed") or time.monotonic() > deadline:
            return dict(state)
        time.sleep(0.05)


def _start(client: Any, body: dict[str, Any], role: str = "operator") -> Any:
    return client.http.post(
        "/admin/directory/exports",
        body=json.dumps(body),
        headers={"Content-Type": "application/json", **bearer(role)},  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_is_a_job_with_progress_and_a_short_lived_link(
    client: Any, catalogue: None, fmt: str
) -> None:
    put_base(ROWS)
    started = _start(client, {"filter": {"tags": {"any_of": ["etVIP"]}}, "format": fmt})
    assert started.status_code == 202, started.body
    export_id = started.json_body["export_id"]
    state = _wait_done(client, export_id)
    wanted = [r for r in ROWS if "etVIP" in r.tags]
    assert (state["status"], state["progress"], state["rows"]) == ("done", 1.0, len(wanted))
    assert f"directory/exports/{export_id}.{fmt}" in state["url"]
    assert "X-Amz-Expires=300" in state["url"]

    obj = aws_client("s3").get_object(
        Bucket=get_settings().reports_bucket, Key=f"directory/exports/{export_id}.{fmt}"
    )
    content = obj["Body"].read()
    if fmt == "csv":
        lines = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content)).active
        values = list(sheet.values)
        lines = [dict(zip(values[0], v, strict=True)) for v in values[1:]]
    assert sorted(line["contact_id"] for line in lines) == sorted(r.contact_id for r in wanted)
    first = next(r for r in wanted if r.contact_id == lines[0]["contact_id"])
    assert lines[0]["phone_hashes"] == first.phone_hashes[0]
    assert str(lines[0]["remarks"]).startswith("'=")  # never a formula

    audit = client.http.get("/admin/audit", headers=bearer("admin")).json_body["items"]
    [entry] = [e for e in audit if e["route"] == "/admin/directory/exports"]
    assert (entry["principal"], entry["method"], entry["outcome"]) == (
        "tester",
        "POST",
        "succeeded",
    )
    assert "etVIP" in json.dumps(entry["summary"])


def test_exports_need_an_operator_and_are_their_requesters_own(
    client: Any, catalogue: None
) -> None:
    put_base(ROWS[:5])
    assert _start(client, {"filter": {}}, role="viewer").status_code == 403
    export_id = _start(client, {"filter": {}}).json_body["export_id"]
    assert _wait_done(client, export_id)["status"] == "done"
    other = client.http.get(
        f"/admin/directory/exports/{export_id}", headers=bearer("operator", subject="someone")
    )
    assert (other.status_code, other.json_body["error"]) == (404, "export_not_found")
    bad = _start(client, {"filter": {"tags": {"any_of": ["etNope"]}}, "format": "csv"})
    assert (bad.status_code, bad.json_body["error"]) == (400, "unknown_tag")
    assert _start(client, {"format": "pdf"}).status_code == 400
