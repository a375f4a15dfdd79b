"""Measuring helpers and the figure type."""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Figure:
    name: str
    measured_ms: float
    floor_ms: float
    goal: float
    floor_name: str
    samples: int

    @property
    def ratio(self) -> float:
        return self.measured_ms / self.floor_ms

    @property
    def met(self) -> bool:
        return self.ratio <= self.goal


def interleaved(
    measure: Callable[[], float], floor: Callable[[], float], rounds: int
) -> tuple[float, float]:
    """Median of each, sampled alternately so drifting machine load hits both alike."""
    measured, floors = [], []
    for i in range(rounds):
        pair = (measure, floor) if i % 2 == 0 else (floor, measure)
        for fn in pair:
            (measured if fn is measure else floors).append(fn())
    return statistics.median(measured), statistics.median(floors)


def import_time_ms(statement: str, env: dict[str, str] | None = None) -> float:
    """Time of ``statement`` in a fresh interpreter, excluding the interpreter's own start."""
    program = (
        "import time\nt = time.perf_counter()\n"
        f"{statement}\n"
        "print((time.perf_counter() - t) * 1000)"
    )
    out = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])
