"""Screening and reports: their cost follows what changed, not how much there is.

Screening: 100,000 contacts in DynamoDB Local, 1 % of them changed yesterday. Measured: the
daily job (``screening.service.run_daily``: it reads yesterday's ``changed#`` and today's
``due#`` partitions, then screens those contacts). Floor: screening the same 1,000
contacts handed over as a list (``screening.service.screen``). Goal <= 2x.

Reports: a 30-day report over the aggregates of 1,000,000 orders against the same report
over 10,000 orders. The aggregates are built by folding synthetic order signals through
the subscriber's own pure function (``reports.aggregates.order_effect``) and stored as
daily rows; then ``reports.service.generate`` (read 30 days of rows, compute, render
XLSX/CSV/HTML, put to S3 on moto) is timed at both volumes, interleaved. Goal <= 1.2x.

Screening's memory: the daily job over work lists of 10,000 and of 100,000 changed
contacts, one batch each (a time budget of 0 s), under ``tracemalloc``: its peak memory
is flat in the length of the lists (both are read a page at a time; holding the list
would cost ~100 bytes a contact). Goal <= 1.2x. Printed: its rate over 15 s of the long
list (contacts a second, each one newly scored) and the hours 20,000,000 contacts would
take at it.

Groups in reports: a 30-day report when 10,000 groups are active every day (each
group's own row of each day stored, and the day's ``groups`` row the subscriber keeps)
against the same report with no group activity. Goal <= 1.2x: a report reads the
``groups`` row, never a group's own.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.harness import Figure, interleaved, on_local_stack

JOB_BUDGET_S = 780.0
CONTACTS = 100_000
CHANGED = 1_000
SCREEN_ROUNDS = 3
REPORT_ROUNDS = 15
SMALL, LARGE = 10_000, 1_000_000
CHANNELS = ("poster", "parcel", "store", "ads", "shop", "live", "referral", "moments")
ZONE = "Asia/Shanghai"


MEMORY_SMALL, MEMORY_LARGE = 10_000, 100_000
MEMORY_BUDGET_S = 15.0
BATCH_SCREENED = 100  # the batch the memory run screened, already counted in the run
ACTIVE_GROUPS = 10_000


def run() -> list[Figure]:
    return on_local_stack(
        lambda stack: [
            _screening(stack),
            *_screening_memory(stack),
            _reports(),
            _report_with_groups(stack),
        ],
        ("dynamodb", "s3"),
    )


def _client(stack: Any) -> Any:
    import boto3

    return boto3.session.Session().client("dynamodb", endpoint_url=stack.config.dynamodb_url)


def _put_all(stack: Any, table: str, items: Iterator[dict[str, Any]]) -> None:
    """Batch-write ``items`` to ``table`` (25 a request, 4 at a time)."""
    dynamodb = _client(stack)
    name = f"{stack.config.table_prefix}{table}"

    def write(chunk: list[dict[str, Any]]) -> None:
        pending = [{"PutRequest": {"Item": i}} for i in chunk]
        while pending:
            answer = dynamodb.batch_write_item(RequestItems={name: pending})
            pending = answer.get("UnprocessedItems", {}).get(name, [])

    def chunks() -> Iterator[list[dict[str, Any]]]:
        chunk: list[dict[str, Any]] = []
        for item in items:
            chunk.append(item)
            if len(chunk) == 25:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, chunks()))


# --- screening -----------------------------------------------------------------------------


def _seed_contacts(stack: Any, today: date) -> list[str]:
    import boto3

    dynamodb = boto3.session.Session().client("dynamodb", endpoint_url=stack.config.dynamodb_url)
    table = f"{stack.config.table_prefix}screening"
    yesterday = (today - timedelta(days=1)).isoformat()
    rng = random.Random(7)
    now = int(time.time())
    changed = [f"wm{n:06d}" for n in sorted(rng.sample(range(CONTACTS), CHANGED))]

    def item(n: int) -> dict[str, Any]:
        last = now - rng.randrange(1, 400) * 86_400
        return {
            "pk": {"S": f"contact#wm{n:06d}"},
            "sk": {"S": "rfm"},
            "contact_id": {"S": f"wm{n:06d}"},
            "orders": {"N": str(1 + n % 12)},
            "last_order_at": {"N": str(last)},
            "first_order_at": {"N": str(last - 86_400 * (n % 300))},
            "spend_cents": {"N": str(5_000 * (1 + n % 40))},
            "deliveries": {"N": str(n % 9)},
            "version": {"N": "1"},
        }

    def work(n: int) -> dict[str, Any]:
        return {"pk": {"S": f"changed#{yesterday}"}, "sk": {"S": changed[n]}}

    def write(chunk: list[dict[str, Any]]) -> None:
        pending = [{"PutRequest": {"Item": i}} for i in chunk]
        while pending:
            answer = dynamodb.batch_write_item(RequestItems={table: pending})
            pending = answer.get("UnprocessedItems", {}).get(table, [])

    def chunks() -> Iterator[list[dict[str, Any]]]:
        for start in range(0, CONTACTS, 25):
            yield [item(n) for n in range(start, min(CONTACTS, start + 25))]
        for start in range(0, CHANGED, 25):
            yield [work(n) for n in range(start, min(CHANGED, start + 25))]

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, chunks()))
    return changed


def _screening(stack: Any) -> Figure:
    from chalicelib import signals
    from chalicelib.screening import service, store

    signals.SUBSCRIBERS[signals.SegmentChanged] = ()  # screening alone, not the SOPs it starts
    today = datetime.now(ZoneInfo(ZONE)).date()
    started = time.perf_counter()
    changed = _seed_contacts(stack, today)
    print(
        f"screening: {CONTACTS:,} contacts seeded in {time.perf_counter() - started:.0f} s",
        flush=True,
    )

    def job() -> float:
        store.RunItem(f"run#{today.isoformat()}", "run").delete()  # run the day again
        t = time.perf_counter()
        run = service.run_daily(today.isoformat())
        assert run.screened == CHANGED and run.complete, run
        return (time.perf_counter() - t) * 1000

    def floor() -> float:
        t = time.perf_counter()
        service.screen(changed, today)
        return (time.perf_counter() - t) * 1000

    job()  # the first run scores and stores; later runs find the same results
    floor()
    measured, floor_ms = interleaved(job, floor, SCREEN_ROUNDS)
    return Figure(
        f"daily screening, {CONTACTS:,} contacts with 1 % changed (DynamoDB Local)",
        measured,
        floor_ms,
        2.0,
        "screening the changed 1 % alone",
        SCREEN_ROUNDS,
    )


def _screening_memory(stack: Any) -> list[Figure]:
    """Peak memory of the daily job over 10,000 and 100,000 changed contacts (the contacts
    seeded by :func:`_screening`), for the same time budget."""
    import tracemalloc

    from chalicelib.screening import service, store

    lists = {MEMORY_SMALL: date(2030, 1, 1), MEMORY_LARGE: date(2030, 3, 1)}
    started = time.perf_counter()
    for count, day in lists.items():
        changed = f"changed#{day.isoformat()}"
        _put_all(
            stack,
            "screening",
            ({"pk": {"S": changed}, "sk": {"S": f"wm{n:06d}"}} for n in range(count)),
        )
    print(f"screening memory: work lists seeded in {time.perf_counter() - started:.0f} s")

    def day_after(count: int) -> str:
        return (lists[count] + timedelta(days=1)).isoformat()

    service.run_daily(day_after(MEMORY_SMALL), budget_s=0)  # imports and caches, not measured
    peaks: dict[int, float] = {}
    for count in lists:  # one batch each (a budget of 0 s), after its lists' first pages
        before = (store.run_body(day_after(count)) or {}).get("screened", 0)
        gc.collect()
        tracemalloc.start()
        run = service.run_daily(day_after(count), budget_s=0)
        peaks[count] = tracemalloc.get_traced_memory()[1] / 1024
        tracemalloc.stop()
        print(
            f"screening memory: {count:,} changed contacts, a batch of "
            f"{run.screened - before:,} screened (complete {run.complete}); "
            f"peak {peaks[count]:,.0f} KiB",
            flush=True,
        )
    t = time.perf_counter()
    run = service.run_daily(day_after(MEMORY_LARGE), budget_s=MEMORY_BUDGET_S)
    took = time.perf_counter() - t
    rate = (run.screened - BATCH_SCREENED) / took
    from benchmarks import scale
    from chalicelib.screening import jobs
    from chalicelib.screening.models import ScreeningConfig

    drops = len(ScreeningConfig().recency_days)
    runs = (8 * 60 - jobs.FIRST_RUN_MINUTE) // 15  # 00:30 to 07:45, every quarter
    a_day = scale.CONTACTS * scale.CHANGED_SHARE + scale.CONTACTS * drops / 365
    return [
        Figure(
            f"daily screening's peak memory, {MEMORY_LARGE:,} changed contacts (DynamoDB Local)",
            peaks[MEMORY_LARGE],
            peaks[MEMORY_SMALL],
            1.2,
            f"{MEMORY_SMALL:,} changed contacts",
            1,
            unit="KiB",
        ),
        scale.keeps_up(
            "screen_contacts",
            rate,
            scale.Schedule("screen_contacts", runs_a_day=runs, run_s=service.JOB_BUDGET_S),
            a_day,
            f"{scale.CHANGED_SHARE:.0%} of contacts changed, each passing its {drops} recency "
            "thresholds once a year; each contact newly scored",
        ),
    ]


# --- reports -------------------------------------------------------------------------------


def _signals(count: int, start: date, seed: int) -> Iterator[Any]:
    """``count`` paid orders over 30 days (a tenth refunded in part), as the orders context
    would publish them."""
    from chalicelib.signals import OrderChanged

    rng = random.Random(seed)
    zone = ZoneInfo(ZONE)
    first_at = int(datetime.combine(start, datetime.min.time(), zone).timestamp())
    span = 30 * 86_400
    for n in range(count):
        ordered = first_at + rng.randrange(span)
        channel = CHANNELS[n % len(CHANNELS)]
        paid = OrderChanged(
            effect_id=f"o{n}:paid",
            order_key=f"shop:{n}",
            contact_id=f"wm{n % 50_000:06d}",
            status="paid",
            previous_status="pending",
            amount_cents=1_000 + rng.randrange(50_000),
            refunded_cents=0,
            currency="CNY",
            ordered_at=ordered,
            at=ordered,
            first_order=n % 3 == 0,
            channel=channel,
            code=f"code{n % 4}",
        )
        yield paid
        if n % 10 == 0:
            yield OrderChanged(
                **(paid.__dict__ | {"effect_id": f"o{n}:refund", "refunded_cents": 500})
            )


def _aggregates(count: int, start: date, seed: int) -> dict[tuple[str, str], dict[str, int]]:
    """Fold the signals through the subscriber's function, as the counters would hold them."""
    from chalicelib.reports.aggregates import OrderMemo, order_effect

    rows: dict[tuple[str, str], dict[str, int]] = {}
    memos: dict[str, OrderMemo] = {}
    for signal in _signals(count, start, seed):
        memo, deltas = order_effect(memos.get(signal.order_key), signal, ZONE)
        memos[signal.order_key] = memo
        for d in deltas:
            row = rows.setdefault((d.day, d.dimension), {})
            row[d.counter] = row.get(d.counter, 0) + d.amount
    scale = max(1, count // 1_000)
    for day in (start + timedelta(days=n) for n in range(30)):
        for i, channel in enumerate(CHANNELS):
            rows.setdefault((day.isoformat(), f"channel#{channel}"), {}).update(
                adds=scale * (3 + i), deletions_by_customer=scale, cohort_lost=scale // 2
            )
        for s in range(20):
            rows[(day.isoformat(), f"staff#staff{s}")] = {"adds": scale, "deletions_by_staff": 1}
    return rows


def _reports() -> Figure:
    from chalicelib.reports import service, store
    from chalicelib.reports.models import ReportRequest, Sources

    small_start, large_start = date(2026, 1, 1), date(2026, 3, 1)
    for count, start in ((SMALL, small_start), (LARGE, large_start)):
        t = time.perf_counter()
        store.write_rows(_aggregates(count, start, seed=count))
        print(f"reports: {count:,} orders folded and stored in {time.perf_counter() - t:.0f} s")
    gc.collect()  # the folding's garbage is not the report's cost

    def no_wecom(period: Any, staff: Any) -> Sources:
        return Sources()

    def timed(start: date) -> float:
        request = ReportRequest(kind="custom", start=start, end=start + timedelta(days=29))
        t = time.perf_counter()
        service.generate(request, no_wecom)
        return (time.perf_counter() - t) * 1000

    for _ in range(2):
        timed(small_start)
        timed(large_start)
    measured, floor_ms = interleaved(
        lambda: timed(large_start), lambda: timed(small_start), REPORT_ROUNDS
    )
    return Figure(
        "30-day report at 1,000,000 orders (aggregates; XLSX, CSV, HTML to S3)",
        measured,
        floor_ms,
        1.2,
        "the same report at 10,000 orders",
        REPORT_ROUNDS,
    )


def _report_with_groups(stack: Any) -> Figure:
    """A 30-day report with 10,000 active groups every day against one with none."""
    from chalicelib.reports import service
    from chalicelib.reports.models import ReportRequest, Sources
    from chalicelib.reports.store import day_key

    busy, quiet = date(2026, 6, 1), date(2026, 8, 1)
    days = [(busy + timedelta(days=n)).isoformat() for n in range(30)]

    def rows() -> Iterator[dict[str, Any]]:
        for day in days:
            yield {
                "pk": {"S": day_key(day, 0)},
                "sk": {"S": "groups"},
                "joins": {"N": str(3 * ACTIVE_GROUPS)},
                "leaves": {"N": str(ACTIVE_GROUPS)},
            }
            for g in range(ACTIVE_GROUPS):
                yield {
                    "pk": {"S": f"group#wrChat{g:05d}"},
                    "sk": {"S": f"day#{day}"},
                    "joins": {"N": "3"},
                    "join_qr": {"N": "3"},
                    "leaves": {"N": "1"},
                    "quit_left": {"N": "1"},
                }

    started = time.perf_counter()
    _put_all(stack, "daily-stats", rows())
    print(
        f"reports: {ACTIVE_GROUPS:,} groups' rows on each of 30 days stored in "
        f"{time.perf_counter() - started:.0f} s"
    )

    def no_wecom(period: Any, staff: Any) -> Sources:
        return Sources()

    def timed(start: date) -> float:
        request = ReportRequest(kind="custom", start=start, end=start + timedelta(days=29))
        t = time.perf_counter()
        out = service.generate(request, no_wecom)
        assert start != busy or out.figures is not None
        return (time.perf_counter() - t) * 1000

    timed(busy)
    timed(quiet)
    measured, floor_ms = interleaved(lambda: timed(busy), lambda: timed(quiet), REPORT_ROUNDS)
    return Figure(
        f"30-day report with {ACTIVE_GROUPS:,} groups active every day",
        measured,
        floor_ms,
        1.2,
        "the same report with no group activity",
        REPORT_ROUNDS,
    )


if __name__ == "__main__":
    for figure in run():
        print(figure, f"ratio {figure.ratio:.2f}")
