"""The signal table: every subscriber named there exists, and publish reaches them in order."""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Iterator

import pytest

from chalicelib import signals


def test_every_subscriber_in_the_table_is_a_function_of_one_argument() -> None:
    for signal_type, paths in signals.SUBSCRIBERS.items():
        for path in paths:
            function = signals.resolve(path)
            assert callable(function), path
            assert len(inspect.signature(function).parameters) == 1, (signal_type, path)


@pytest.fixture
def listener() -> Iterator[list[str]]:
    heard: list[str] = []
    module = types.ModuleType("tests_signal_listener")
    module.first = lambda s: heard.append(f"first:{s.effect_id}")  # type: ignore[attr-defined]
    module.second = lambda s: heard.append(f"second:{s.effect_id}")  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    saved = dict(signals.SUBSCRIBERS)
    signals.SUBSCRIBERS[signals.TierChanged] = (
        "tests_signal_listener:first",
        "tests_signal_listener:second",
    )
    signals.SUBSCRIBERS[signals.PointsChanged] = ()  # nobody: publish must reach no one
    yield heard
    signals.SUBSCRIBERS.clear()
    signals.SUBSCRIBERS.update(saved)
    del sys.modules[module.__name__]


def test_publish_calls_the_subscribers_of_that_signal_in_order(listener: list[str]) -> None:
    signals.publish(signals.TierChanged("e1", "wmA", None, "gold", 0))
    signals.publish(signals.PointsChanged("e2", "wmA", 5, "earn", 5, 0))

    assert listener == ["first:e1", "second:e1"]
