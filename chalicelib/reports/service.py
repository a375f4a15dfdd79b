"""Reports' use cases: generate a report into S3, list reports, hand out download links.

A report reads only the daily counters of its period (one Query per local day and shard,
a few at a time; a customer group's own rows are not among them), the SOP funnels, and
WeCom's own staff statistics; never orders or events.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core.aws import client as aws_client
from chalicelib.core.errors import DependencyUnavailable, DomainError
from chalicelib.core.observability import logger
from chalicelib.core.settings import get_settings
from chalicelib.reports import figures, render, store
from chalicelib.reports.errors import ReportNotFound
from chalicelib.reports.models import (
    KINDS,
    Dashboard,
    FunnelStep,
    Kind,
    Period,
    Report,
    ReportFile,
    ReportList,
    ReportOut,
    ReportRequest,
    Sources,
    StaffBehavior,
    period_of,
)

URL_TTL_S = 900
WECOM_SPAN_DAYS = 30
WECOM_BATCH = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Where a report's sources come from; tests and benchmarks replace it.
SourceReader = Callable[[Period, Sequence[str]], Sources]


# --- sources -------------------------------------------------------------------------------


def day_bounds(day: date, zone: str) -> tuple[int, int]:
    """Epoch seconds of local midnight at the start of ``day`` and of the next day."""
    tz = ZoneInfo(zone)
    start = datetime.combine(day, clock(), tz)
    end = datetime.combine(day + timedelta(days=1), clock(), tz)
    return int(start.timestamp()), int(end.timestamp())


def read_rows(period: Period) -> dict[str, dict[str, dict[str, int]]]:
    return store.days_rows(period.days)


def wecom_sources(period: Period, staff: Sequence[str]) -> Sources:
    """Staff service data from WeCom (``get_user_behavior_data``, ``groupchat/statistic``)
    and the SOP funnels."""
    return Sources(staff=staff_behavior(period, staff), funnel=sop_funnel())


def staff_behavior(period: Period, staff: Sequence[str]) -> list[StaffBehavior]:
    """Per staff member, WeCom's figures summed over the period (rates weighted by chats)."""
    if not staff:
        return []
    from chalicelib.wecom.client import get_client
    from chalicelib.wecom.errors import WeComError

    zone = get_settings().timezone
    found = {u: StaffBehavior(userid=u) for u in staff}
    weighted: dict[str, list[float]] = {u: [0.0, 0.0, 0.0] for u in staff}  # chats, rate, time
    chunk_start = period.start
    try:
        while chunk_start <= period.end:
            chunk_end = min(period.end, chunk_start + timedelta(days=WECOM_SPAN_DAYS - 1))
            begin, _ = day_bounds(chunk_start, zone)
            last, _ = day_bounds(chunk_end, zone)
            for offset in range(0, len(staff), WECOM_BATCH):
                batch = list(staff[offset : offset + WECOM_BATCH])
                for userid in batch:  # per member: WeCom sums a list of members together
                    answer = get_client().post(
                        "externalcontact/get_user_behavior_data",
                        {"userid": [userid], "start_time": begin, "end_time": last},
                    )
                    _add_behavior(found[userid], weighted[userid], answer)
                groups = get_client().post(
                    "externalcontact/groupchat/statistic",
                    {
                        "day_begin_time": begin,
                        "day_end_time": last,
                        "owner_filter": {"userid_list": batch},
                        "limit": 1000,
                    },
                )
                for item in groups.get("items") or []:
                    row = found.get(str(item.get("owner")))
                    data = item.get("data") or {}
                    if row is not None:
                        row.group_new_member_cnt += int(data.get("new_member_cnt", 0))
                        row.group_chat_total = int(data.get("chat_total", 0))
                        row.group_member_total = int(data.get("member_total", 0))
            chunk_start = chunk_end + timedelta(days=1)
    except WeComError as error:
        logger.warning("staff statistics unavailable", extra={"error": error.code})
        return []
    for userid, (chats, rate, reply_time) in weighted.items():
        if chats:
            found[userid].reply_percentage = round(rate / chats, 1)
            found[userid].avg_reply_time = round(reply_time / chats, 1)
    return [found[u] for u in staff]


def _add_behavior(row: StaffBehavior, weighted: list[float], answer: dict[str, Any]) -> None:
    for day in answer.get("behavior_data") or []:
        chats = int(day.get("chat_cnt", 0))
        row.new_apply_cnt += int(day.get("new_apply_cnt", 0))
        row.new_contact_cnt += int(day.get("new_contact_cnt", 0))
        row.chat_cnt += chats
        row.message_cnt += int(day.get("message_cnt", 0))
        row.negative_feedback_cnt += int(day.get("negative_feedback_cnt", 0))
        weighted[0] += chats
        weighted[1] += chats * float(day.get("reply_percentage") or 0)
        weighted[2] += chats * float(day.get("avg_reply_time") or 0)


def sop_funnel() -> list[FunnelStep]:
    """Every SOP plan's per-step funnel (read through the SOP context)."""
    try:
        from chalicelib.sop.queries import list_plans, plan_funnel
    except ImportError:  # a deployment without SOPs
        return []
    steps = []
    for plan in list_plans():
        try:
            funnel = plan_funnel(plan.id)
        except DomainError as error:
            logger.warning(
                "SOP funnel unavailable", extra={"plan_id": plan.id, "error": error.code}
            )
            continue
        for s in funnel.steps:
            steps.append(
                FunnelStep(
                    plan_id=plan.id,
                    plan_name=plan.name,
                    step_id=s.step_id,
                    targeted=s.targeted,
                    sent=s.sent,
                    delivered=s.delivered,
                    orders=s.orders,
                    gmv_cents=s.gmv_cents,
                )
            )
    return steps


# --- generating ----------------------------------------------------------------------------


def build_report(period: Period, read_sources: SourceReader = wecom_sources) -> Report:
    rows = read_rows(period)
    staff = sorted(
        {dim[len("staff#") :] for dims in rows.values() for dim in dims if dim.startswith("staff#")}
    )
    sources = read_sources(period, staff)
    return figures.build(period, rows, sources, get_settings().timezone, int(time.time()))


def files_of(report: Report) -> list[tuple[ReportFile, bytes]]:
    p = report.period
    prefix = f"reports/{p.kind}/{p.start.isoformat()}_{p.end.isoformat()}/"
    found = [
        (
            ReportFile(
                name="report.html",
                key=prefix + "report.html",
                content_type="text/html; charset=utf-8",
            ),
            render.to_html(report).encode("utf-8"),
        ),
        (
            ReportFile(name="report.xlsx", key=prefix + "report.xlsx", content_type=XLSX),
            render.to_xlsx(report),
        ),
    ]
    for table in report.tables:
        name = f"{table.name}.csv"
        found.append(
            (
                ReportFile(name=name, key=prefix + name, content_type="text/csv; charset=utf-8"),
                render.to_csv(table),
            )
        )
    return found


def generate(request: ReportRequest, read_sources: SourceReader = wecom_sources) -> ReportOut:
    """Compute the report, write its files to the report bucket, list it; with links."""
    period = period_of(request)
    report = build_report(period, read_sources)
    bucket = get_settings().reports_bucket
    s3 = aws_client("s3")
    files = []
    for file, content in files_of(report):
        try:
            s3.put_object(Bucket=bucket, Key=file.key, Body=content, ContentType=file.content_type)
        except (BotoCoreError, ClientError) as error:
            raise DependencyUnavailable("the report bucket did not accept the report") from error
        files.append(file)
    out = ReportOut(
        id=f"{period.kind}:{period.start.isoformat()}",
        kind=period.kind,
        start=period.start,
        end=period.end,
        timezone=report.timezone,
        generated_at=report.generated_at,
        figures=report.figures,
        files=files,
    )
    store.save_report(period.kind, period.start.isoformat(), out.model_dump(mode="json"))
    logger.info("report generated", extra={"report": out.id, "files": len(files)})
    return with_links(out)


def with_links(out: ReportOut) -> ReportOut:
    s3 = aws_client("s3")
    bucket = get_settings().reports_bucket
    files = [
        f.model_copy(
            update={
                "url": s3.generate_presigned_url(
                    "get_object", Params={"Bucket": bucket, "Key": f.key}, ExpiresIn=URL_TTL_S
                )
            }
        )
        for f in out.files
    ]
    return out.model_copy(update={"files": files})


def get_report(kind: Kind, start: date) -> ReportOut:
    body = store.get_report(kind, start.isoformat())
    if body is None:
        raise ReportNotFound(f"no {kind} report starts on {start.isoformat()}")
    return with_links(ReportOut.model_validate(body))


#: Reports of each kind a listing looks through, newest first.
MAX_LISTED = 1000


def list_reports(kind: Kind | None, limit: int, cursor: str | None = None) -> ReportList:
    """Newest period first; ``cursor`` goes on after a page's last report."""
    from chalicelib.core.paging import PageRequest, list_page

    kinds = KINDS if kind is None else (kind,)
    items = [ReportOut.model_validate(b) for k in kinds for b in store.list_reports(k, MAX_LISTED)]
    chunk, following = list_page(
        items, lambda r: f"{r.start}|{r.kind}", PageRequest(limit, cursor), newest_first=True
    )
    return ReportList(items=chunk, next_cursor=following)


# --- the schedule --------------------------------------------------------------------------


def due_requests(today: date) -> list[ReportRequest]:
    """What the daily run generates on local day ``today``: yesterday's report, last week's
    on Mondays, last month's on the 1st."""
    yesterday = today - timedelta(days=1)
    due = [ReportRequest(kind="daily", start=yesterday)]
    if today.weekday() == 0:
        due.append(ReportRequest(kind="weekly", start=today - timedelta(days=7)))
    if today.day == 1:
        due.append(ReportRequest(kind="monthly", start=yesterday))
    return due


def run_scheduled(now: int | None = None) -> list[str]:
    """Generate the reports due today that do not exist yet (a rerun skips them)."""
    zone = get_settings().timezone
    today = datetime.fromtimestamp(now or int(time.time()), ZoneInfo(zone)).date()
    done = []
    for request in due_requests(today):
        period = period_of(request)
        if store.get_report(period.kind, period.start.isoformat()) is not None:
            continue
        done.append(generate(request).id)
    return done


# --- the console's dashboard ---------------------------------------------------------------


def dashboard(days: int, now: int | None = None) -> Dashboard:
    """Today or the last ``days`` local days (today included), from the daily counters."""
    from chalicelib.reports import dashboard as board

    at = int(time.time()) if now is None else now
    zone = get_settings().timezone
    today = datetime.fromtimestamp(at, ZoneInfo(zone)).date()
    period = Period(kind="custom", start=today - timedelta(days=days - 1), end=today)
    return board.build(days, period, read_rows(period), zone, at)
