"""The loyalty jobs at scale: ``expire_points`` and ``review_tiers`` page through their
work within a time budget and resume from a cursor, so their memory does not grow with the
number of contacts and their rate says how long 20 million contacts take.

Data (DynamoDB Local): N accounts with one lot each already due (``expire_points``), and
N members at a level above the base whose window is empty (lapsed: ``review_tiers``
downgrades each, with every subscriber of ``TierChanged`` hearing it), for N = 10,000 and
N = 100,000.

Figures: peak memory (tracemalloc) of one run with a fixed budget at 100 k against the
same at 10 k (goal <= 1.5x: flat); and whether each job keeps up at 20 M contacts
(:mod:`benchmarks.scale`): a day's work (lots falling due, members whose tier may have
lapsed) against what a day of its five-minute runs does at the rate measured at 100 k, in
a run without tracemalloc (goal <= 1x). Every item of these runs is the heavy case: a lot
expired with every subscriber of ``PointsChanged``, a member downgraded with every
subscriber of ``TierChanged``.
"""

from __future__ import annotations

import os
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from benchmarks.harness import Figure, on_local_stack

SIZES = tuple(int(n) for n in os.environ.get("BENCH_LOYALTY_SIZES", "10000,100000").split(","))
BUDGET_S = 3.0
DAY_S = 86_400


def _seed_lots(first: int, count: int, now: int) -> None:
    from chalicelib.points import store

    with store.EntryItem.batch_write() as lots, store.AccountItem.batch_write() as accounts:
        for n in range(first, count):
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


def _seed_members(first: int, count: int, now: int) -> None:
    from chalicelib.membership import service, store
    from chalicelib.membership.models import TierConfig

    service.put_config(
        TierConfig.model_validate(
            {"levels": [{"name": "member"}, {"name": "silver", "min_points": 100}]}
        ),
        "bench",
    )
    with store.TierItem.batch_write() as members:
        for n in range(first, count):
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
                    review_at=now - 400 * DAY_S,  # due
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


def _measure(stack: Any) -> list[dict[str, tuple[int, float]]]:
    """Per size, per job: (peak KB of a budgeted run, items/s of another). The items of the
    smaller size stay for the larger one (less the few the smaller size's runs did)."""
    from chalicelib.membership import service as membership
    from chalicelib.points import service as points

    now = int(time.time())
    jobs = {
        "expire_points": lambda: points.expire_due(now, budget_s=BUDGET_S),
        "review_tiers": lambda: membership.review(now, budget_s=BUDGET_S),
    }
    sizes: list[dict[str, tuple[int, float]]] = []
    seeded = 0
    for size in SIZES:
        _seed_lots(seeded, size, now)
        _seed_members(seeded, size, now)
        seeded = size
        found: dict[str, tuple[int, float]] = {}
        for name, job in jobs.items():
            done, spent, _ = _run(job, traced=False)
            _, _, peak = _run(job, traced=True)
            found[name] = (peak // 1024, done / spent if spent else 0.0)
        sizes.append(found)
    return sizes


def run() -> list[Figure]:
    from benchmarks import scale
    from chalicelib.membership import jobs as review_job
    from chalicelib.points import jobs as expiry_job

    small, big = on_local_stack(_measure)  # type: ignore[arg-type]
    figures = []
    every = {"expire_points": expiry_job.EVERY_MINUTES, "review_tiers": review_job.EVERY_MINUTES}
    a_day = scale.CONTACTS * scale.CREDITS_PER_YEAR / 365
    falls_due = {
        "expire_points": f"{scale.CREDITS_PER_YEAR} credits a contact a year, each a lot due once",
        "review_tiers": f"{scale.CREDITS_PER_YEAR} credits a contact a year, each leaving the "
        "window once, every contact above the base level",
    }
    for name in ("expire_points", "review_tiers"):
        (small_kb, _), (big_kb, rate) = small[name], big[name]
        print(f"{name}: peak {small_kb:,} KB at 10 k, {big_kb:,} KB at 100 k")
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
        schedule = scale.Schedule(name, runs_a_day=DAY_S // (every[name] * 60))
        figures.append(scale.keeps_up(name, rate, schedule, a_day, falls_due[name]))
    return figures
