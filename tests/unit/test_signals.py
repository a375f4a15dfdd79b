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


@pytest.fixture
def chain() -> Iterator[list[str]]:
    """TierChanged heard by ``tier`` (which publishes a SegmentChanged) and ``flaky``
    (which fails until told otherwise); SegmentChanged heard by ``segment``."""
    heard: list[str] = []
    failing = {"flaky": True}
    module = types.ModuleType("tests_signal_chain")

    def tier(s: signals.TierChanged) -> None:
        heard.append(f"tier:{s.effect_id}")
        signals.publish(
            signals.SegmentChanged(f"{s.effect_id}#seg", "wmA", None, "vip", True, 1, 0)
        )

    def flaky(s: signals.TierChanged) -> None:
        if failing["flaky"]:
            raise RuntimeError("down")
        heard.append(f"flaky:{s.effect_id}")

    module.quiet = lambda s: heard.append(f"quiet:{s.effect_id}")  # type: ignore[attr-defined]
    module.tier = tier  # type: ignore[attr-defined]
    module.flaky = flaky  # type: ignore[attr-defined]
    module.segment = lambda s: heard.append(f"segment:{s.effect_id}")  # type: ignore[attr-defined]
    module.failing = failing  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    saved = dict(signals.SUBSCRIBERS)
    signals.SUBSCRIBERS[signals.TierChanged] = (
        "tests_signal_chain:quiet",
        "tests_signal_chain:tier",
        "tests_signal_chain:flaky",
    )
    signals.SUBSCRIBERS[signals.SegmentChanged] = ("tests_signal_chain:segment",)
    signals._resolved.clear()  # this module's functions, not an earlier test's
    yield heard
    signals._resolved.clear()
    signals.SUBSCRIBERS.clear()
    signals.SUBSCRIBERS.update(saved)
    del sys.modules[module.__name__]


def test_a_signal_published_by_a_subscriber_waits_for_the_others_breadth_first(
    chain: list[str],
) -> None:
    sys.modules["tests_signal_chain"].failing["flaky"] = False  # type: ignore[attr-defined]
    with signals.processing_pass():
        signals.publish(signals.TierChanged("e1", "wmA", None, "gold", 0))
        assert chain == []  # nobody hears a signal before the unit of work is done
    assert chain == ["quiet:e1", "tier:e1", "flaky:e1", "segment:e1#seg"]


def test_a_retried_pass_runs_only_what_did_not_finish(chain: list[str]) -> None:
    signal = signals.TierChanged("e1", "wmA", None, "gold", 0)
    with pytest.raises(RuntimeError), signals.processing_pass() as unit:
        signals.publish(signal)
    assert chain == ["quiet:e1", "tier:e1"]  # flaky failed: the segment change was not heard
    sys.modules["tests_signal_chain"].failing["flaky"] = False  # type: ignore[attr-defined]
    with signals.processing_pass(done=unit.done):
        signals.publish(signal)  # the retried event publishes it again
    # quiet is not told twice; tier is, because what it published was never heard
    assert chain == ["quiet:e1", "tier:e1", "tier:e1", "flaky:e1", "segment:e1#seg"]
    with signals.processing_pass(done=unit.done | {"e1|tests_signal_chain:flaky"}):
        pass
    assert len(chain) == 5
