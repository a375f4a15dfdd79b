"""Planning the sends of one SOP step due for 100,000 contacts, against reading those rows;
then whole ticks at 10,000 and 100,000 due rows.

Measured: what the tick does before it calls WeCom — the Query of the ``by_due`` index for
what is due (every shard of the hour), the plans' lookup, the per-customer frequency caps
(one batch read of the caps table) and the grouping by sender and content into calls of
at most 10,000 customers (``tick.plan_sends``). Floor: reading the same due rows once with
a plain boto3 Query paginator. Both run against the real DynamoDB Local, interleaved (goal
<= 1.5x). The step's text names the sender (``{staff}``), the only variable a mass step
may hold, so one text goes to all of a sender's customers, whatever their names.

Printed besides: ``sop_tick`` (``tick.run``) over 10,000 and then 100,000 due rows of
customers with real names in their profile: rows sent per second, the peak of Python
memory while it runs (``tracemalloc``: flat, the tick keeps keys, not rows) and the WeCom
calls the step took against the floor, the sum over senders of ceil(n / 10,000). WeCom is
faked in process (each call counted), the tables are DynamoDB Local's. The rate at 100,000
says whether the tick keeps up at 20 M contacts (:mod:`benchmarks.scale`): a day of steps
against a day of five-minute runs (goal <= 1x).
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.harness import Figure, interleaved, on_local_stack

CONTACTS = 100_000
SENDERS = 10
ROUNDS = 3


def run() -> list[Figure]:
    return on_local_stack(_measure)


def _measure(stack: Any) -> list[Figure]:
    import boto3

    from chalicelib.sop import planner, service, store, tick
    from chalicelib.sop.models import PlanIn

    plan = service.put_plan(
        "bench",
        PlanIn.model_validate(
            {
                "name": "Bench",
                "trigger": {"kind": "contact_added"},
                "steps": [{"id": "s", "delay_minutes": 0, "content": {"text": "Hi, {staff} here"}}],
            }
        ),
        "bench",
    )
    now = int(time.time()) - 60
    subjects = (planner.Subject(f"wmBench{n:07d}", f"staff{n % SENDERS}") for n in range(CONTACTS))
    planned = planner.plan_step_for_many(
        planner.Route.of(plan), plan.steps[0], subjects, start=now, now=now
    )
    assert planned == CONTACTS
    buckets = store.buckets_between(store.bucket(now), now)
    partitions = [p for hour in buckets for p in store.partitions_of(hour, True)]
    table = f"{stack.config.table_prefix}sop-due"
    pages = (
        boto3.session.Session()
        .client("dynamodb", endpoint_url=stack.config.dynamodb_url)
        .get_paginator("query")
    )

    def planning() -> float:
        started = time.perf_counter()
        rows = [r for r in store.due(buckets, now) if r.kind == "item"]
        sends, _ = tick.plan_sends(rows, now, tick.TickReport())
        elapsed = (time.perf_counter() - started) * 1000
        assert sum(len(s.members) for s in sends) == CONTACTS and len(sends) == SENDERS
        return elapsed

    def floor() -> float:
        started = time.perf_counter()
        read = 0
        for name in partitions:
            for page in pages.paginate(
                TableName=table,
                IndexName="by_due",
                KeyConditionExpression="due_bucket = :b AND due_at <= :now",
                ExpressionAttributeValues={":b": {"S": name}, ":now": {"N": str(now)}},
            ):
                read += len(page["Items"])
        elapsed = (time.perf_counter() - started) * 1000
        assert read == CONTACTS
        return elapsed

    measured, floor_ms = interleaved(planning, floor, ROUNDS)
    ticks = [_tick(due) for due in (10_000, 100_000)]
    rate, calls, floor_calls, peak_kib = ticks[-1]
    from benchmarks import scale

    period_s = 5 * 60  # every five minutes, one at a time: a run works at most that long
    run_s = min(scale.timeout_s("sop_tick") - scale.RUN_MARGIN_S, tick.BUDGET_S, period_s)
    return [
        Figure(
            f"SOP tick planning a step due for {CONTACTS:,} contacts (caps, grouping)",
            measured,
            floor_ms,
            1.5,
            "reading those due rows once",
            ROUNDS,
        ),
        Figure(
            "sop_tick: peak Python memory over 100,000 due rows",
            peak_kib,
            ticks[0][3],
            1.5,
            "the same over 10,000",
            1,
            unit="KiB",
        ),
        Figure(
            f"sop_tick: WeCom calls for a step due for 100,000 customers of {SENDERS} senders",
            calls,
            floor_calls,
            1.0,
            "sum over senders of ceil(n / 10,000)",
            1,
            unit="calls",
        ),
        scale.keeps_up(
            "sop_tick",
            rate,
            scale.Schedule("sop_tick", runs_a_day=scale.DAY_S // period_s, run_s=run_s),
            scale.CONTACTS * scale.STEPS_PER_WEEK / 7,
            f"{scale.STEPS_PER_WEEK} steps a contact a week",
        ),
    ]


def _tick(due: int) -> tuple[float, int, int, float]:
    """One ``sop_tick`` over ``due`` rows of one step: (rows/s, WeCom calls, their floor,
    peak Python memory in KiB)."""
    import math
    import tracemalloc
    from collections import Counter

    from chalicelib.messaging import sending
    from chalicelib.sop import planner, service, tick
    from chalicelib.sop.models import PlanIn

    names = ["王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄婷"]
    plan = service.put_plan(
        f"tick{due}",
        PlanIn.model_validate(
            {
                "name": f"Tick {due}",
                "trigger": {"kind": "contact_added"},
                "steps": [
                    {"id": "s", "delay_minutes": 0, "content": {"text": "{staff} 祝您周末愉快"}}
                ],
            }
        ),
        "bench",
    )
    # Its own hours, at 10:00 on the corp's clock: a tick in quiet hours sends nothing.
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from chalicelib.core.settings import get_settings

    morning = datetime.now(ZoneInfo(get_settings().timezone)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    now = int((morning + timedelta(days=7 if due < 100_000 else 14)).timestamp())
    senders = Counter(f"staff{n % SENDERS}" for n in range(due))
    _profiles(due, names)
    subjects = (planner.Subject(f"wmTick{due}x{n:07d}", f"staff{n % SENDERS}") for n in range(due))
    planner.plan_step_for_many(planner.Route.of(plan), plan.steps[0], subjects, start=now, now=now)
    calls: list[int] = []
    real = sending.send_to_customers, sending.remind, sending.tasks

    def send(sender: str, ids: Any, content: Any) -> sending.Sent:
        calls.append(len(ids))
        return sending.Sent(f"msg{len(calls)}", [])

    sending.send_to_customers = send  # type: ignore[assignment]
    sending.remind = lambda effect_id, sender, text: True
    sending.tasks = lambda msgid: []  # an earlier run's batches are polled: nothing yet
    try:
        tracemalloc.start()
        started = time.perf_counter()
        report = tick.run(now + 60, budget_s=3600)  # one complete run, measured whole
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        sending.send_to_customers, sending.remind, sending.tasks = real
    floor = sum(math.ceil(n / sending.MAX_CUSTOMERS_PER_CALL) for n in senders.values())
    assert report.recipients == due and sum(calls) == due
    print(
        f"  sop_tick over {due:,} due rows: {due / elapsed:,.0f} rows/s, "
        f"peak Python memory {peak / 2**20:.1f} MiB, WeCom calls for the step "
        f"{len(calls)} (floor {floor}: sum over {len(senders)} senders of ceil(n/10,000))",
        flush=True,
    )
    return due / elapsed, len(calls), floor, peak / 1024


def _profiles(due: int, names: list[str]) -> None:
    """The customers' profiles, with real names (a mass step never reads them)."""
    from chalicelib.contacts import store as contacts
    from chalicelib.core import aws
    from chalicelib.core.settings import get_settings

    table = get_settings().table_name("contacts")
    client = aws.client("dynamodb")
    rows = [
        {
            "PutRequest": {
                "Item": {
                    "pk": {"S": contacts.contact_pk(f"wmTick{due}x{n:07d}")},
                    "sk": {"S": contacts.PROFILE},
                    "external_userid": {"S": f"wmTick{due}x{n:07d}"},
                    "name": {"S": names[n % len(names)]},
                }
            }
        }
        for n in range(due)
    ]
    for start in range(0, len(rows), 25):
        pending = {table: rows[start : start + 25]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
