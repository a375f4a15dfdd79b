"""Planning the sends of one SOP step due for 100,000 contacts, against reading those rows.

Measured: what the tick does before it calls WeCom — the Query of the ``by_due`` index for
what is due, the plans' lookup, the per-customer frequency caps (one batch read of the
caps table) and the grouping by sender and content into calls of at most 10,000
customers (``tick.plan_sends``). Floor: reading the same due rows once with a plain boto3
Query paginator. Both run against the real DynamoDB Local, interleaved (goal <= 1.5x).
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.harness import Figure, interleaved, on_local_stack

CONTACTS = 100_000
SENDERS = 10
ROUNDS = 3


def run() -> list[Figure]:
    return on_local_stack(lambda stack: [_measure(stack)])


def _measure(stack: Any) -> Figure:
    import boto3

    from chalicelib.sop import planner, service, store, tick
    from chalicelib.sop.models import PlanIn

    plan = service.put_plan(
        "bench",
        PlanIn.model_validate(
            {
                "name": "Bench",
                "trigger": {"kind": "contact_added"},
                "steps": [{"id": "s", "delay_minutes": 0, "content": {"text": "Hi {name}"}}],
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
        for name in buckets:
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
    return Figure(
        f"SOP tick planning a step due for {CONTACTS:,} contacts (caps, grouping)",
        measured,
        floor_ms,
        1.5,
        "reading those due rows once",
        ROUNDS,
    )
