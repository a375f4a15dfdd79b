"""A processing pass commits the read models' writes together: several subscribers' writes
in one request, each still once per signal whatever fails, is retried or arrives again."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from benchmarks.requests import counting
from chalicelib import signals
from chalicelib.storage import staged
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.once import MARKER_TTL, EffectMarker
from chalicelib.storage.schema import RUNTIME_STATE

MODULE = "tests_staged_subscribers"


class Counter(TableModel):
    schema = RUNTIME_STATE

    class Meta(TableModel.Meta):
        abstract = False

    pk = UnicodeAttribute(hash_key=True)
    count = NumberAttribute(default=0)
    version = NumberAttribute(null=True)


def count(name: str) -> int:
    found = staged_get(name)
    return 0 if found is None else int(found.count or 0)


def staged_get(name: str) -> Any:
    from chalicelib.storage.ops import get_or_none

    return get_or_none(Counter.bound(), f"counter#{name}", consistent=True)


def once(effect_id: str, *counters: str, last: bool = False) -> staged.Writes:
    """The writes of one subscriber: its once-guard and one addition per counter."""
    model = Counter.bound()
    ops = [staged.Op(EffectMarker.bound()(f"once#{effect_id}", expires_at=MARKER_TTL))]
    ops[0].condition = EffectMarker.pk.does_not_exist()
    ops += [staged.Op(model(f"counter#{name}"), adds={"count": 1}) for name in counters]
    return staged.Writes("the counters", ops, guard=0, last=last)


@pytest.fixture
def subscribers(aws: None) -> Iterator[dict[str, Any]]:
    """TierChanged heard by ``a``, ``b`` (each moving its counter and ``total``) and
    ``c`` (which fails while told to); ``state['runs']`` counts the calls of each."""
    state: dict[str, Any] = {"fail": False, "runs": {"a": 0, "b": 0, "c": 0}, "versioned": 0}
    module = types.ModuleType(MODULE)

    def a(s: signals.TierChanged) -> None:
        state["runs"]["a"] += 1
        staged.write(once(f"{s.effect_id}#a", "a", "total"))

    def b(s: signals.TierChanged) -> None:
        state["runs"]["b"] += 1
        staged.write(once(f"{s.effect_id}#b", "b", "total"))

    def c(s: signals.TierChanged) -> None:
        state["runs"]["c"] += 1
        if state["fail"]:
            raise RuntimeError("down")

    module.a, module.b, module.c = a, b, c  # type: ignore[attr-defined]
    sys.modules[MODULE] = module
    saved = dict(signals.SUBSCRIBERS)
    signals.SUBSCRIBERS[signals.TierChanged] = (f"{MODULE}:a", f"{MODULE}:b", f"{MODULE}:c")
    signals._resolved.clear()
    yield state
    signals._resolved.clear()
    signals.SUBSCRIBERS.clear()
    signals.SUBSCRIBERS.update(saved)
    del sys.modules[MODULE]


def tier(effect_id: str = "t1") -> signals.TierChanged:
    return signals.TierChanged(effect_id, "wmA", None, "gold", 0)


def test_the_writes_of_several_subscribers_are_one_request_with_one_key_merged(
    subscribers: dict[str, Any],
) -> None:
    with counting() as tally:
        signals.publish(tier())
    assert tally.by_operation() == {"TransactWriteItems": 1}
    assert (count("a"), count("b"), count("total")) == (1, 1, 2)  # "total" merged: 1 + 1


def test_a_guard_applied_earlier_drops_only_its_own_writes(subscribers: dict[str, Any]) -> None:
    assert staged.write(once("t1#a", "a", "total")) == "applied"  # outside a pass: at once
    with counting() as tally:
        signals.publish(tier())
    assert (count("a"), count("b"), count("total")) == (1, 1, 2)
    assert tally.by_operation() == {"TransactWriteItems": 2}  # cancelled, then the rest


def test_a_failure_before_the_commit_applies_nothing_and_the_retry_everything_once(
    subscribers: dict[str, Any],
) -> None:
    subscribers["fail"] = True
    with pytest.raises(RuntimeError), signals.processing_pass() as unit:
        signals.publish(tier())
    assert (count("a"), count("b"), count("total")) == (0, 0, 0)
    # the writes were never committed: their deliveries are not done, the retry runs them
    assert not {mark for mark in unit.done if mark.startswith("t1|")}
    subscribers["fail"] = False
    with signals.processing_pass(done=unit.done):
        signals.publish(tier())
    assert (count("a"), count("b"), count("total")) == (1, 1, 2)


def test_a_crash_after_the_commit_re_runs_without_counting_twice(
    subscribers: dict[str, Any],
) -> None:
    signals.publish(tier())
    with counting() as tally:
        signals.publish(tier())  # the done set was lost: every subscriber runs again
    assert subscribers["runs"] == {"a": 2, "b": 2, "c": 2}
    assert (count("a"), count("b"), count("total")) == (1, 1, 2)
    assert tally.by_operation() == {"TransactWriteItems": 1}  # refused: both applied already


def test_writes_refused_on_another_condition_run_their_subscriber_again_and_last_comes_after(
    subscribers: dict[str, Any],
) -> None:
    model = Counter.bound()
    model("counter#versioned", version=1).save()
    seen: list[str] = []

    def versioned(s: signals.TierChanged) -> None:
        """Reads the version, then writes on the condition it is unchanged."""
        read = staged_get("versioned").version
        seen.append("ran")
        if len(seen) == 1:  # another writer moves it before the pass commits
            model("counter#versioned", version=read + 1).save()
        item = model("counter#versioned")
        op = staged.Op(
            item,
            model.version == read,
            actions=[model.version.set(read + 1), model.count.add(1)],
        )
        staged.write(staged.Writes("the versioned counter", [op]))

    sys.modules[MODULE].versioned = versioned  # type: ignore[attr-defined]
    signals.SUBSCRIBERS[signals.TierChanged] = (f"{MODULE}:a", f"{MODULE}:versioned")
    with signals.processing_pass():
        signals.publish(tier())
        staged.write(once("t1#last", "last", last=True))
    assert seen == ["ran", "ran"]  # refused once: heard again, written at once
    assert count("versioned") == 1 and staged_get("versioned").version == 3
    assert (count("a"), count("last")) == (1, 1)


def test_a_batch_commits_at_most_a_hundred_operations_a_request(aws: None) -> None:
    with counting() as tally, signals.processing_pass():
        for n in range(60):
            staged.write(once(f"big#{n}", f"n{n}"))  # 120 operations
    assert tally.by_operation() == {"TransactWriteItems": 2}
    assert all(count(f"n{n}") == 1 for n in range(60))
