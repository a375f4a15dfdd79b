"""Tracing is off unless switched on, and on means a real Powertools Tracer (which opens
the X-Ray daemon's UDP socket, hence this tier)."""

from __future__ import annotations

import pytest

from chalicelib.core import observability


@pytest.fixture(autouse=True)
def _fresh_tracer() -> None:
    observability.tracer.cache_clear()


def test_tracing_is_a_no_op_unless_switched_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACING_ENABLED", raising=False)
    assert isinstance(observability.tracer(), observability._NoTracer)


def test_switched_on_it_is_a_powertools_tracer(monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_lambda_powertools import Tracer

    monkeypatch.setenv("TRACING_ENABLED", "true")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")  # no X-Ray daemon here
    found = observability.tracer()
    assert isinstance(found, Tracer)
    found.put_annotation("event", "test")  # must not raise outside Lambda
    observability.tracer.cache_clear()
