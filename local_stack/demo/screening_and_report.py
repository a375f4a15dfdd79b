"""The demo's last chapter: tonight's screening run, now; the last seven days' figures; then
the day's report is written to S3 (moto) through the admin API and its files downloaded
through their presigned links."""

from __future__ import annotations

import urllib.request
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from local_stack.demo.client import Demo, say, step
from local_stack.stack import ROOT

SHANGHAI = ZoneInfo("Asia/Shanghai")


def daily_report(demo: Demo, first_step: int) -> None:

    now = datetime.now(SHANGHAI).date()
    today, tomorrow = now.isoformat(), (now + timedelta(days=1)).isoformat()
    step(first_step, "Screening: tonight's run, now: the contacts whose inputs changed today")
    run = demo.call("POST", f"{demo.api}/admin/screening/run", {"day": tomorrow}, role="operator")
    say(
        f"run of {run['day']}: {run['screened']} screened, {run['segment_changes']} moved "
        f"segment, {run['new_high_value']} new high-value, {run['tagged']} tagged in WeCom, "
        f"{run['digests_sent']} staff digests"
    )
    week = demo.call(
        "POST",
        f"{demo.api}/admin/reports",
        {"kind": "custom", "start": (now - timedelta(days=6)).isoformat(), "end": today},
        role="operator",
    )["figures"]
    say(
        f"last 7 days: {week['new_contacts']} new contacts, {week['orders']} orders, "
        f"GMV ¥{week['gmv_cents'] / 100:.2f} (net ¥{week['net_gmv_cents'] / 100:.2f}), "
        f"{week['conversions']} conversions, points issued {week['points_issued']}"
    )

    step(first_step + 1, f"The day's report ({today}, Asia/Shanghai) written to S3")
    report = demo.call(
        "POST", f"{demo.api}/admin/reports", {"kind": "daily", "start": today}, role="operator"
    )
    figures = report["figures"]
    say(
        f"new contacts {figures['new_contacts']}, deletions {figures['deletions']}, "
        f"net {figures['net_adds']}, orders {figures['orders']}, "
        f"GMV ¥{figures['gmv_cents'] / 100:.2f}"
    )
    files = {f["name"]: f for f in report["files"]}
    say(f"{len(files)} files: {', '.join(sorted(files))}")
    out = ROOT / "var" / "demo"
    out.mkdir(parents=True, exist_ok=True)
    for name in ("report.html", "report.xlsx"):
        with urllib.request.urlopen(files[name]["url"], timeout=30) as answer:
            (out / name).write_bytes(answer.read())
    listed = demo.call("GET", f"{demo.api}/admin/reports?kind=daily", role="viewer")
    say(f"listed: {[item['id'] for item in listed['items']]}")
    say(f"HTML report (presigned, while the stack runs): {files['report.html']['url']}")
    say(f"saved a copy: {out / 'report.html'} and {out / 'report.xlsx'}")
