"""The loyalty jobs at scale: ``expire_points`` and ``review_tiers`` page through their
work within a time budget and resume from a cursor, so their memory does not grow with the
number of contacts and their rate says how long 20 million contacts take.

Data (moto, in process): N accounts with one lot each already due (``expire_points``),
and N members at a level above the base whose window is empty (lapsed: ``review_tiers``
downgrades each, with every subscriber of ``TierChanged`` hearing it), for N = 10,000 and
N = 100,000.

Figures: peak memory (tracemalloc) of one run with a fixed budget at 100 k against the
same at 10 k (goal <= 1.5x: flat). Printed beside them: each job's rate (items/s, measured
in a run without tracemalloc) and the hours 20,000,000 items would take at that rate, in
runs of the job's schedule.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks.harness import Figure

SIZES = (10_000, 100_000)
BUDGET_S = 3.0
TWENTY_MILLION = 20_000_000
DAY_S = 86_400


@contextmanager
def _moto() -> Iterator[None]:
    import os

    from moto import mock_aws

    saved = dict(os.environ)
    for name in ("DYNAMODB_ENDPOINT", "S3_ENDPOINT", "WECOM_API_BASE"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_DEFAULT_REGION": "ap-east-1",
            "AWS_REGION": "ap-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_EC2_METADATA_DISABLED": "true",
            "STAGE": "local",
            "TABLE_PREFIX": "scrm-bench-",
            "SECRETS_SOURCE": "env",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
    )
    try:
        with mock_aws():
            from chalicelib.core import aws as aws_clients
            from chalicelib.core.aws import reset_clients
            from chalicelib.core.observability import logger
            from chalicelib.core.settings import get_settings, reset_settings
            from chalicelib.storage import dynamo
            from chalicelib.storage.tables import create_tables

            reset_settings()
            reset_clients()
            dynamo._connections.clear()
            logger.registered_handler.setStream(open(os.devnull, "w"))  # noqa: SIM115
            create_tables(aws_clients.client("dynamodb"), get_settings())
            yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _seed_lots(count: int, now: int) -> None:
    from chalicelib.points import store

    with store.EntryItem.batch_write() as lots, store.AccountItem.batch_write() as accounts:
        for n in range(count):
            contact = f"wmLot{n:07d}"
            accounts.save(
                store.AccountItem(
                    store.account_pk(contact), store.BALANCE, balance=100, credited=100, version=1
                )
            )
            lots.save(
                store.EntryItem(
                    store.account_pk(contact),
                    store.entry_sk("adjust#seed"),
                    contact_id=contact,
                    entry_id="adjust#seed",
                    kind="adjust",
                    delta=100,
                    at=now - 400 * DAY_S,
                    amount=100,
                    balance_after=100,
                    lot_expires_at=now - 35 * DAY_S,
                    expires_at=now - 35 * DAY_S,
                    expiry_shard=store.expiry_shard(contact),
                )
            )


def _seed_members(count: int, now: int) -> None:
    from chalicelib.membership import service, store
    from chalicelib.membership.models import TierConfig

    service.put_config(
        TierConfig.model_validate(
            {"levels": [{"name": "member"}, {"name": "silver", "min_points": 100}]}
        ),
        "bench",
    )
    with store.TierItem.batch_write() as members:
        for n in range(count):
            contact = f"wmTier{n:07d}"
            members.save(
                store.TierItem(
                    store.member_pk(contact),
                    store.TIER,
                    contact_id=contact,
                    tier="silver",
                    since=now - 400 * DAY_S,
                    version=1,
                    announced=1,
                    tier_key="silver",
                    reviewed_at=now - 400 * DAY_S,
                )
            )


def _run(job: Callable[[], Any], traced: bool) -> tuple[int, float, int]:
    """(items done, seconds, peak bytes when traced)."""
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    result = job()
    spent = time.perf_counter() - started
    peak = 0
    if traced:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    done = int(getattr(result, "lots", getattr(result, "reviewed", 0)))
    return done, spent, peak


def _measure(size: int) -> dict[str, tuple[int, float]]:
    """Per job: (peak KB of a budgeted run, items/s of another)."""
    from chalicelib.membership import service as membership
    from chalicelib.points import service as points

    now = int(time.time())
    found: dict[str, tuple[int, float]] = {}
    with _moto():
        _seed_lots(size, now)
        _seed_members(size, now)
        jobs = {
            "expire_points": lambda: points.expire_due(now, budget_s=BUDGET_S),
            "review_tiers": lambda: membership.review(now, budget_s=BUDGET_S),
        }
        for name, job in jobs.items():
            done, spent, _ = _run(job, traced=False)
            _, _, peak = _run(job, traced=True)
            found[name] = (peak // 1024, done / spent if spent else 0.0)
    return found


def run() -> list[Figure]:
    small, big = (_measure(size) for size in SIZES)
    figures = []
    schedule = {"expire_points": (3600, 27.0), "review_tiers": (3600, 27.0)}
    for name in ("expire_points", "review_tiers"):
        (small_kb, _), (big_kb, rate) = small[name], big[name]
        every_s, run_s = schedule[name]
        hours = TWENTY_MILLION / rate / 3600 if rate else float("inf")
        runs_per_day = DAY_S / every_s
        days = TWENTY_MILLION / (rate * run_s * runs_per_day) if rate else float("inf")
        print(
            f"{name}: {rate:,.0f} items/s at 100 k; 20 M items take {hours:,.1f} h of running"
            f" ({days:,.1f} days of hourly {run_s:.0f} s runs); peak {small_kb:,} KB at 10 k,"
            f" {big_kb:,} KB at 100 k"
        )
        figures.append(
            Figure(
                f"{name}: peak memory of a budgeted run at 100 k items",
                float(big_kb),
                float(max(small_kb, 1)),
                1.5,
                "the same at 10 k",
                1,
                unit="KB",
            )
        )
    return figures
