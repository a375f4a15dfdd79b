"""Reports on the real local stack: a customer added through the WeCom simulator shows in
the day's report, written to S3 (moto server) and downloaded through its presigned link;
staff service figures come from the simulator's get_user_behavior_data."""

from __future__ import annotations

import csv
import io
import urllib.request
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from local_stack import LocalStack
from tests.e2e.test_contacts_exactly_once import settle


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as answer:
        assert answer.status == 200
        return bytes(answer.read())


def test_the_days_report_counts_an_add_and_downloads(
    stack: LocalStack, sim: str, http: Any, admin: Any, dynamodb: Any
) -> None:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    before = admin("POST", "/admin/reports", {"kind": "daily", "start": today}, role="operator")
    assert before[0] == 200, before
    _, added = http(
        "POST",
        f"{sim}/_sim/customers/add",
        {"userid": "wangwu", "name": "Report", "state": "s9:report"},
    )
    http("POST", f"{sim}/_sim/callbacks/push", {"xml": added["xml"]})
    [stored] = settle(dynamodb, stack, [added["xml"]])
    assert stored["status"]["S"] == "processed"

    status, report = admin(
        "POST", "/admin/reports", {"kind": "daily", "start": today}, role="operator"
    )
    assert status == 200, report
    assert report["figures"]["new_contacts"] == before[1]["figures"]["new_contacts"] + 1
    files = {f["name"]: f for f in report["files"]}
    page = download(files["report.html"]["url"]).decode()
    assert "<svg" in page and today in page
    staff_csv = download(files["staff.csv"]["url"]).decode("utf-8-sig")
    rows = {row["staff"]: row for row in csv.DictReader(io.StringIO(staff_csv))}
    assert int(rows["wangwu"]["adds"]) >= 1
    assert int(rows["wangwu"]["applications"]) >= 1  # from WeCom's own statistics
    assert download(files["report.xlsx"]["url"])[:2] == b"PK"

    status, listed = admin("GET", "/admin/reports?kind=daily", role="viewer")
    assert status == 200 and f"daily:{today}" in [r["id"] for r in listed["items"]]
    assert (
        admin("POST", "/admin/reports", {"kind": "daily", "start": today}, role="viewer")[0] == 403
    )
