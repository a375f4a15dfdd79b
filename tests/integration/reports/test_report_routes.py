"""Reports over the admin API: operators generate, viewers list and download; files in S3
(XLSX with charts, CSV per table, HTML); staff figures from WeCom's statistics; the
schedule writes yesterday's, last week's and last month's reports once."""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import urlparse

from chalicelib.core.aws import client as aws_client
from chalicelib.core.settings import get_settings
from chalicelib.reports import handlers, service
from tests.integration.reports.conftest import StatsWeCom, at, order
from tests.support.admin import bearer

JSON = {"Content-Type": "application/json"}


def post(client: Any, body: dict[str, Any], role: str = "operator") -> Any:
    return client.http.post("/admin/reports", body=json.dumps(body), headers=JSON | bearer(role))


def s3_object(key: str) -> bytes:
    bucket = get_settings().reports_bucket
    return bytes(aws_client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


def test_operator_generates_viewer_lists_and_downloads(client: Any, wecom: StatsWeCom) -> None:
    handlers.on_order_changed(order("shop:1", "paid", "2026-04-02 20:00"))
    assert post(client, {"kind": "daily", "start": "2026-04-02"}, role="viewer").status_code == 403

    answer = post(client, {"kind": "daily", "start": "2026-04-02"})
    assert answer.status_code == 200, answer.body
    report = answer.json_body
    assert report["id"] == "daily:2026-04-02"
    assert report["figures"]["orders"] == 1
    files = {f["name"]: f for f in report["files"]}
    assert {"report.html", "report.xlsx", "channels.csv", "daily.csv", "staff.csv"} <= set(files)
    link = urlparse(files["report.xlsx"]["url"])
    assert link.path.endswith("reports/daily/2026-04-02_2026-04-02/report.xlsx")
    assert "Signature" in link.query or "X-Amz-Signature" in link.query

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(s3_object(files["report.xlsx"]["key"])))
    assert book["daily"]._charts
    assert b"<svg" in s3_object(files["report.html"]["key"])
    assert s3_object(files["channels.csv"]["key"]).decode("utf-8-sig").startswith("channel,")

    listed = client.http.get("/admin/reports?kind=daily", headers=bearer("viewer")).json_body
    assert [r["id"] for r in listed["items"]] == ["daily:2026-04-02"]
    one = client.http.get("/admin/reports/daily/2026-04-02", headers=bearer("viewer"))
    assert one.status_code == 200
    assert all(f["url"] for f in one.json_body["files"])


def test_bad_requests_are_400_and_unknown_reports_404(client: Any, wecom: StatsWeCom) -> None:
    assert post(client, {"kind": "yearly", "start": "2026-04-02"}).status_code == 400
    assert post(client, {"kind": "daily", "start": "2 April"}).status_code == 400
    too_long = {"kind": "custom", "start": "2026-01-01", "end": "2026-12-31"}
    assert post(client, too_long).status_code == 400
    viewer = bearer("viewer")
    assert client.http.get("/admin/reports/daily/2026-04-09", headers=viewer).status_code == 404
    assert client.http.get("/admin/reports/hourly/2026-04-09", headers=viewer).status_code == 400
    assert client.http.get("/admin/reports/daily/yesterday", headers=viewer).status_code == 400
    assert client.http.get("/admin/reports?limit=0", headers=viewer).status_code == 400


def test_staff_service_figures_come_from_wecom_statistics(client: Any, wecom: StatsWeCom) -> None:
    from chalicelib.reports import aggregates, store

    adds = aggregates.add_effect(at("2026-04-02 09:00"), "poster", "zhangsan", "", "Asia/Shanghai")
    store.apply_deltas_once("ev1#add", adds)
    wecom.behavior["zhangsan"] = [
        {
            "new_apply_cnt": 3,
            "new_contact_cnt": 2,
            "chat_cnt": 10,
            "message_cnt": 30,
            "reply_percentage": 90.0,
            "avg_reply_time": 4,
            "negative_feedback_cnt": 1,
        },
        {
            "new_apply_cnt": 1,
            "new_contact_cnt": 1,
            "chat_cnt": 30,
            "message_cnt": 10,
            "reply_percentage": 50.0,
            "avg_reply_time": 8,
            "negative_feedback_cnt": 0,
        },
    ]
    wecom.group_stats["zhangsan"] = {"new_member_cnt": 6, "chat_total": 2, "member_total": 80}
    report = post(client, {"kind": "daily", "start": "2026-04-02"}).json_body
    csv_key = next(f["key"] for f in report["files"] if f["name"] == "staff.csv")
    header, row = s3_object(csv_key).decode("utf-8-sig").splitlines()[:2]
    staff = dict(zip(header.split(","), row.split(","), strict=True))
    assert staff["staff"] == "zhangsan"
    assert (staff["adds"], staff["applications"], staff["chats"], staff["messages_sent"]) == (
        "1",
        "4",
        "40",
        "40",
    )
    assert staff["reply_rate_pct"] == "60.0"  # (10 x 90 + 30 x 50) / 40 chats
    assert staff["avg_reply_minutes"] == "7.0"  # (10 x 4 + 30 x 8) / 40
    assert staff["group_new_members"] == "6"
    [(_, behavior)] = [c for c in wecom.stat_calls if c[0].endswith("get_user_behavior_data")]
    assert behavior["start_time"] == at("2026-04-02 00:00")  # local midnight


def test_the_schedule_writes_daily_weekly_and_monthly_reports_once(wecom: StatsWeCom) -> None:
    # 2026-06-01 is a Monday and the first of the month; 01:00 in Shanghai
    now = at("2026-06-01 01:00")
    assert sorted(service.run_scheduled(now)) == [
        "daily:2026-05-31",
        "monthly:2026-05-01",
        "weekly:2026-05-25",
    ]
    assert service.run_scheduled(now) == []
    assert service.run_scheduled(at("2026-06-02 01:00")) == ["daily:2026-06-01"]
