"""Hot keys of the daily counters: 1,000 adds a second stay under 1,000 WCU per partition key.

Every add moves three counters of its local day (channel, member, live code's channel) in
one transaction with its once-only marker; a transactional write costs 2 WCU per item (up
to 1 KB). Kept under one partition key (``day#<D>``) a busy day's adds would pass the
1,000 WCU a partition key takes; the reports spread a day over ``store.SHARDS`` keys
(``day#<D>#<shard>``, the shard a hash of the effect id).

Measured on DynamoDB Local: ``ADDS`` adds pushed through the subscriber's counter path
(``reports.aggregates.add_effect`` → ``reports.store.apply_deltas_once``) by 8 threads,
every DynamoDB request counted (``benchmarks.requests.counting``). Printed: the writes
each daily-stats partition key took per second of the run (max over keys and seconds), and
the same run with one shard. The figure: the hottest key's WCU per second at 1,000 adds a
second (its share of the items written × 2 WCU × 1,000), against the 1,000 WCU a
partition key takes; goal <= 1x.

And the whole add path (:func:`_whole_add`): ``WHOLE_ADDS`` adds end to end (the
callback received, its stream record processed, every subscriber), over ``STAFF`` staff
members and one live code, all within one minute, every request counted. Each partition
key written, of every table and every index (index entries from the items put and the
attributes set), takes a share of those adds' writes; at 1,000 adds a second it takes that
share of 1,000 adds' writes each second (1 WCU a write, 2 a transactional one, at 1 KB).
The figure: the hottest key's WCU a second against the 1,000 a partition key takes
(goal <= 1x). Keys of one contact are counted as if every add wrote them, so they are
over-counted, never under.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.harness import Figure, on_local_stack

ADDS = 2_000
RATE = 1_000  # adds a second the figure is projected to
PARTITION_WCU = 1_000
TRANSACTIONAL_WCU = 2
CHANNELS = ("poster", "parcel", "store", "ads", "shop", "live", "referral", "moments")
ZONE = "Asia/Shanghai"


WHOLE_ADDS = 300
STAFF = 50


def run() -> list[Figure]:
    return on_local_stack(lambda stack: [_hot_keys(), _whole_add()])


def _push(prefix: str, at: int) -> tuple[dict[str, int], float, float]:
    """Push ``ADDS`` adds; (writes per daily-stats key, the hottest key's writes in one
    second of the run, seconds taken)."""
    from benchmarks.requests import counting
    from chalicelib.reports import aggregates, store

    def add(n: int) -> None:
        deltas = aggregates.add_effect(at, CHANNELS[n % 8], f"staff{n % 40}", f"code{n % 5}", ZONE)
        store.apply_deltas_once(f"{prefix}{n}#add", deltas)

    with counting() as tally, ThreadPoolExecutor(max_workers=8) as pool:
        started = time.monotonic()
        list(pool.map(add, range(ADDS)))
        took = time.monotonic() - started
    per_key: Counter[str] = Counter()
    per_second: Counter[tuple[str, int]] = Counter()
    for call in tally.calls:
        for table, key in call.written_keys:
            if table.endswith("daily-stats"):
                per_key[key] += 1
                per_second[(key, int(call.at - started))] += 1
    return dict(per_key), max(per_second.values(), default=0), took


def _hot_keys() -> Figure:
    from chalicelib.reports import store

    at = int(time.time())
    shards = store.SHARDS
    results: dict[int, Any] = {}
    for count in (1, shards):
        store.SHARDS = count
        try:
            results[count] = _push(f"hot{count}-", at)
        finally:
            store.SHARDS = shards
    projected = {}
    for count, (per_key, peak, took) in results.items():
        hottest = max(per_key.values())
        projected[count] = hottest / ADDS * RATE * TRANSACTIONAL_WCU
        print(
            f"hot keys, {count} shard(s): {ADDS:,} adds in {took:.1f} s "
            f"({ADDS / took:.0f}/s here); daily-stats keys written {len(per_key)}, "
            f"hottest key {hottest:,} writes ({hottest / ADDS:.2f} per add), "
            f"at most {peak:,} writes to one key in one second of this run; "
            f"at {RATE:,} adds/s: {projected[count]:,.0f} WCU/s on the hottest key "
            f"(a partition key takes {PARTITION_WCU:,})",
            flush=True,
        )
    return Figure(
        f"hottest daily-stats key at {RATE:,} adds/s, {shards} shards (DynamoDB Local)",
        projected[shards],
        PARTITION_WCU,
        1.0,
        "a partition key's WCU",
        ADDS,
        unit="WCU/s",
    )


def _whole_add() -> Figure:
    from benchmarks.callback_handling import configured_adds
    from benchmarks.requests import Tally
    from chalicelib.core.observability import metrics

    with configured_adds() as (_, add):
        add()  # the configuration read once, as a warm container has it
        while time.time() % 60 > 5:  # all in one minute, as 60,000 adds would share it
            time.sleep(0.2)
        minute = int(time.time() // 60)
        tally = Tally()
        for n in range(WHOLE_ADDS):
            received, processed = add(staff=f"staff{n % STAFF:02d}")
            tally.calls += received.calls + processed.calls
            metrics.clear_metrics()
        same_minute = int(time.time() // 60) == minute
    units = tally.wcu_per_key()
    hottest = units.most_common(5)
    (table, key), top = hottest[0]
    projected = top / WHOLE_ADDS * RATE
    shown = ", ".join(
        f"{t.split('-', 2)[-1]} {k}: {u / WHOLE_ADDS * RATE:,.0f}" for (t, k), u in hottest
    )
    print(
        f"hot keys, whole add path: {WHOLE_ADDS} adds over {STAFF} staff, one live code, "
        f"{'within one minute' if same_minute else 'across a minute (its keys split)'}; "
        f"{len(units):,} partition keys written; the hottest at {RATE:,} adds/s, WCU/s: {shown}",
        flush=True,
    )
    return Figure(
        f"hottest partition key of the whole add path at {RATE:,} adds/s "
        f"({table.split('-', 2)[-1]} {key})",
        projected,
        PARTITION_WCU,
        1.0,
        "a partition key's WCU",
        WHOLE_ADDS,
        unit="WCU/s",
    )


if __name__ == "__main__":
    for figure in run():
        print(figure, f"ratio {figure.ratio:.2f}")
