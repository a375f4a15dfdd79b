"""The backfill: contacts stored before the directory was deployed (or while it was off)
get their rows, so the directory starts complete rather than only with those that changed
since.

It pages through every contact with :func:`chalicelib.contacts.queries.contact_ids_page`
(a cursor over the contacts table), loads each page's rows like a refresh does
(:func:`chalicelib.directory.readmodel.load_rows`) and writes one delta file per chunk of
pages under the writer lease, saving its cursor after each chunk: a run stopped by its time
budget, a timeout or a refresh holding the lease loses at most the chunk in hand, and the
next run resumes there. Memory stays flat: one chunk of rows at a time. When the last page
is done it compacts, and says so; run again, it starts over only when asked (``again``).

A job of the directory function (``{"op": "backfill"}``) and a command on the local stack:
``python -m chalicelib.directory.backfill [--budget-s N] [--again]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from chalicelib.core.errors import Conflict
from chalicelib.directory import readmodel, store
from chalicelib.directory.engine import Manifest

logger = logging.getLogger(__name__)

#: Contacts loaded and written as one delta file.
CHUNK = 5_000
BUDGET_S = 600.0


@dataclass
class BackfillReport:
    contacts: int = 0
    deltas: int = 0
    finished: bool = False
    stopped_by: str | None = None  # "budget" or "lease" when the run stopped early
    cursor: str | None = None


def run(
    *,
    budget_s: float = BUDGET_S,
    chunk: int = CHUNK,
    page: int | None = None,
    again: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> BackfillReport:
    """Backfill for at most ``budget_s`` seconds, from where the last run stopped."""
    from chalicelib.contacts import queries as contacts

    started = clock()
    state = store.backfill_state()
    report = BackfillReport()
    if state.get("finished") and not again:
        report.finished = True
        return report
    cursor = None if state.get("finished") else state.get("cursor")
    while True:
        if clock() - started >= budget_s:
            report.stopped_by = "budget"
            break
        ids: list[str] = []
        next_cursor = cursor
        while len(ids) < chunk:
            found, next_cursor = contacts.contact_ids_page(next_cursor, page or contacts.SCAN_PAGE)
            ids.extend(found)
            if next_cursor is None or clock() - started >= budget_s:
                break
        try:
            if ids:
                _write(ids)
                report.deltas += 1
        except Conflict:
            report.stopped_by = "lease"  # a refresh or compaction is running: next time
            break
        report.contacts += len(ids)
        cursor = next_cursor
        store.save_backfill_state(cursor, finished=cursor is None)
        if cursor is None:
            report.finished = True
            break
    report.cursor = cursor
    if report.finished and report.deltas:
        # Under a running refresh the deltas are read as they are: the nightly compaction
        # merges them.
        with contextlib.suppress(Conflict):
            readmodel.compact()
    logger.info("directory backfilled", extra=asdict(report))
    return report


def _write(ids: list[str]) -> None:
    """One chunk's rows as a delta, under the writer lease."""
    now = int(time.time())
    readmodel._lease(now)
    try:
        rows = readmodel.load_rows(ids, int(time.time() * 1000))
        manifest = Manifest.read()
        manifest.deltas = [*manifest.deltas, readmodel.put_rows(rows)]
        manifest.version += 1
        manifest.as_of = manifest.as_of or now
        manifest.write()
    finally:
        readmodel._release()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-s", type=float, default=BUDGET_S)
    parser.add_argument("--chunk", type=int, default=CHUNK)
    parser.add_argument("--again", action="store_true", help="start over after a finished one")
    args = parser.parse_args(argv)
    report = run(budget_s=args.budget_s, chunk=args.chunk, again=args.again)
    print(json.dumps(asdict(report)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
