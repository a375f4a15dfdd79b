"""Run every benchmark and print one table of ratios."""

from __future__ import annotations

import json
import platform
import sys
import time

from benchmarks import (
    callback_handling,
    cold_start,
    console,
    costs,
    directory,
    hot_keys,
    live_code_redirect,
    local_servers,
    loyalty_jobs,
    order_webhooks,
    screening_reports,
    sop_planning,
)
from benchmarks.harness import ROOT, Figure

SUITES = [
    cold_start,
    callback_handling,
    live_code_redirect,
    sop_planning,
    screening_reports,
    hot_keys,
    console,
    local_servers,
    directory,
    costs,
    order_webhooks,
    loyalty_jobs,
]


def table(figures: list[Figure]) -> str:
    rows = ["| figure | measured | floor | ratio | goal | |", "|---|---|---|---|---|---|"]
    for f in figures:
        rows.append(
            f"| {f.name} | {f.measured_ms:.1f} {f.unit} | "
            f"{f.floor_name}: {f.floor_ms:.1f} {f.unit} | "
            f"**{f.ratio:.2f}x** | <= {f.goal}x | {'met' if f.met else 'MISSED'} |"
        )
    return "\n".join(rows)


def main() -> int:
    started = time.time()
    wanted = set(sys.argv[1:])  # e.g. `python -m benchmarks sop_planning`: those suites only
    suites = [s for s in SUITES if not wanted or s.__name__.rsplit(".", 1)[-1] in wanted]
    figures: list[Figure] = []
    failed: list[str] = []
    for suite in suites:  # one suite failing still leaves every other figure in the table
        try:
            figures.extend(suite.run())
        except Exception as error:  # noqa: BLE001 - reported in the table, exit status 1
            failed.append(f"| {suite.__name__.rsplit('.', 1)[-1]}: failed ({error!r}) | | | | | |")
    print("\n".join([table(figures), *failed]))
    if costs.table():
        print("\n" + costs.table())
    print(
        f"\n{platform.python_implementation()} {platform.python_version()}, "
        f"{time.time() - started:.0f} s; medians of interleaved runs"
    )
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "last.json").write_text(
        json.dumps([f.__dict__ | {"ratio": f.ratio} for f in figures], indent=2)
    )
    (out / "last.md").write_text("\n".join([table(figures), *failed]) + "\n")
    costs.write(out)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
