"""Measuring helpers and the figure type."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")


@dataclass(frozen=True)
class Figure:
    name: str
    measured_ms: float
    floor_ms: float
    goal: float
    floor_name: str
    samples: int
    #: What measured and floor count: milliseconds, or KB for the console's bundle sizes.
    unit: str = "ms"

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


def on_local_stack(
    measure: Callable[[Any], list[T]], services: tuple[str, ...] = ("dynamodb",)
) -> list[T]:
    """Run ``measure(stack)`` against a fresh local stack of ``services`` (in memory), with
    the app's environment pointed at it and log lines written to nowhere; the process's
    environment is restored and the stack stopped afterwards."""
    from local_stack.stack import LocalStack, StackConfig

    stack = LocalStack(StackConfig.ephemeral())
    # As in AWS: a container keeps the configuration every add reads (the local stack
    # reads it every time, so that a change in the console applies at once).
    stack.config.extra_env.setdefault("CONFIG_KEPT_S", os.environ.get("CONFIG_KEPT_S", "30"))
    stack.start(services=services)
    saved = dict(os.environ)
    try:
        os.environ.update(stack.config.app_env())
        if "s3" not in services:
            os.environ.pop("S3_ENDPOINT", None)
        from chalicelib.core import coldstart
        from chalicelib.core.aws import reset_clients
        from chalicelib.core.observability import logger
        from chalicelib.core.settings import reset_settings

        coldstart.first_event_answered()  # measured as a warm container: the collector's default
        reset_settings()
        reset_clients()
        # Log lines are still formatted and written (they cost time in AWS too), into the void.
        logger.registered_handler.setStream(open(os.devnull, "w"))  # noqa: SIM115
        return measure(stack)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        stack.stop()
