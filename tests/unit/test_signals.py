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


@pytest.fixture
def joined() -> Iterator[list[str]]:
    """TimelineNoted and TagsMarked joined under ``both`` (which publishes a ContactChanged
    and fails until told otherwise); ContactChanged heard by ``changed``."""
    heard: list[str] = []
    failing = {"both": False}
    module = types.ModuleType("tests_signal_joined")

    def both(group: list[signals.Signal]) -> None:
        heard.append("both:" + ",".join(s.effect_id for s in group))
        signals.publish(signals.ContactChanged("changed", "wmA", 0))
        if failing["both"]:
            raise RuntimeError("down")

    module.noted = lambda s: heard.append(f"noted:{s.effect_id}")  # type: ignore[attr-defined]
    module.marked = lambda s: heard.append(f"marked:{s.effect_id}")  # type: ignore[attr-defined]
    module.both = both  # type: ignore[attr-defined]
    module.changed = lambda s: heard.append(f"changed:{s.effect_id}")  # type: ignore[attr-defined]
    module.failing = failing  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    saved, saved_joined = dict(signals.SUBSCRIBERS), dict(signals.JOINED)
    signals.SUBSCRIBERS[signals.TimelineNoted] = ("tests_signal_joined:noted",)
    signals.SUBSCRIBERS[signals.TagsMarked] = ("tests_signal_joined:marked",)
    signals.SUBSCRIBERS[signals.ContactChanged] = ("tests_signal_joined:changed",)
    signals.JOINED.clear()
    signals.JOINED.update(
        {
            "tests_signal_joined:noted": "tests_signal_joined:both",
            "tests_signal_joined:marked": "tests_signal_joined:both",
        }
    )
    yield heard
    signals.SUBSCRIBERS.clear()
    signals.SUBSCRIBERS.update(saved)
    signals.JOINED.clear()
    signals.JOINED.update(saved_joined)
    for path in [p for p in signals._resolved if p.startswith(module.__name__)]:
        del signals._resolved[path]
    del sys.modules[module.__name__]


def _note(effect_id: str) -> signals.TimelineNoted:
    return signals.TimelineNoted(effect_id, "wmA", "welcome_sent", 0, {}, "evt")


def _marked(effect_id: str) -> signals.TagsMarked:
    return signals.TagsMarked(effect_id, "wmA", "zhangsan", ("etVIP",), 0, "evt")


def test_joined_subscribers_queued_one_after_another_are_heard_in_one_call(
    joined: list[str],
) -> None:
    with signals.processing_pass() as unit:
        signals.publish(_note("n1"))
        signals.publish(_marked("m1"))
        signals.publish(signals.ContactChanged("c0", "wmA", 0))  # not joined: ends the group
        signals.publish(_note("n2"))

    assert joined == ["both:n1,m1", "changed:c0", "both:n2", "changed:changed"]
    assert {"n1|tests_signal_joined:noted", "m1|tests_signal_joined:marked"} <= unit.done


def test_a_joined_call_that_failed_is_heard_again_whole_and_what_it_published_too(
    joined: list[str],
) -> None:
    failing = sys.modules["tests_signal_joined"].failing  # type: ignore[attr-defined]
    failing["both"] = True
    with pytest.raises(RuntimeError), signals.processing_pass() as unit:
        signals.publish(_note("n1"))
        signals.publish(_marked("m1"))
    assert not {m for m in unit.done if m.startswith(("n1|", "m1|"))}

    failing["both"] = False
    joined.clear()
    with signals.processing_pass(done=unit.done) as again:
        signals.publish(_note("n1"))
        signals.publish(_marked("m1"))
    assert joined == ["both:n1,m1", "changed:changed"]

    joined.clear()
    with signals.processing_pass(done=again.done):  # all done: nothing is heard again
        signals.publish(_note("n1"))
        signals.publish(_marked("m1"))
    assert joined == []
