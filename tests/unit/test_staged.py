"""How a pass's kept writes are merged, split and blamed, without DynamoDB (``send`` is
replaced by a recorder that refuses what it is told to)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.storage import staged
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.schema import RUNTIME_STATE


class Row(TableModel):
    schema = RUNTIME_STATE

    class Meta(TableModel.Meta):
        abstract = False

    pk = UnicodeAttribute(hash_key=True)
    n = NumberAttribute(null=True)


def put(key: str, n: int = 0, *, condition: Any = None) -> staged.Op:
    return staged.Op(Row(key, n=n), condition)


def add(key: str, n: int) -> staged.Op:
    return staged.Op(Row(key), adds={"n": n})


class Recorder:
    def __init__(self) -> None:
        self.requests: list[list[str]] = []
        self.already: set[str] = set()  # guard keys already written
        self.refuse: set[str] = set()  # what names a refused condition, once

    def __call__(self, writes: Sequence[staged.Writes]) -> tuple[list[Any], list[Any]]:
        self.requests.append([w.what for w in writes])
        already = [w for w in writes if w.what in self.already]
        refused = [w for w in writes if w.what in self.refuse and w not in already]
        self.refuse -= {w.what for w in refused}
        return already, refused


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    found = Recorder()
    monkeypatch.setattr(staged, "send", found)
    return found


def test_identical_puts_are_one_operation_and_additions_to_a_key_are_summed() -> None:
    a = staged.Writes("a", [put("mark#1", 1), add("count#x", 2)])
    b = staged.Writes("b", [put("mark#1", 1), add("count#x", 3), add("count#y", 1)])
    merged = staged._merged([a, b])
    assert [(s.op.key()[1], s.op.adds, len(s.owners)) for s in merged] == [
        ("mark#1", {}, 2),
        ("count#x", {"n": 5}, 2),
        ("count#y", {"n": 1}, 1),
    ]


def test_a_guard_failing_with_another_condition_means_already_applied() -> None:
    guarded = staged.Writes("g", [put("once#e", condition=Row.pk.does_not_exist())], guard=0)
    guarded.ops.append(put("memo#e", condition=Row.pk.does_not_exist()))
    other = staged.Writes("o", [put("memo#f", condition=Row.pk.does_not_exist())])
    sent = staged._merged([guarded, other])
    assert staged._blame(sent, [0, 1, 2]) == ([guarded], [other])


def test_a_clash_on_one_key_commits_what_was_kept_first(recorder: Recorder) -> None:
    with staged.collecting() as batch:
        staged.write(staged.Writes("first", [put("item#1", 1)]))
        staged.write(staged.Writes("merged", [put("item#1", 1)]))  # identical: kept
        assert recorder.requests == []
        staged.write(staged.Writes("clash", [put("item#1", 2)]))  # another value, same key
        assert recorder.requests == [["first", "merged"]]
        batch.commit()
    assert recorder.requests == [["first", "merged"], ["clash"]]


def test_the_last_writes_wait_for_the_refused_ones_to_run_again(recorder: Recorder) -> None:
    ran: list[str] = []
    recorder.refuse = {"memo"}
    with staged.collecting() as batch:
        with batch.hearing(lambda: ran.append("again"), ("e|memo",)):
            staged.write(staged.Writes("memo", [put("memo#1", condition=Row.n == 1)]))
        staged.write(staged.Writes("other", [put("other#1")]))
        staged.write(staged.Writes("applied", [put("applied#1")], last=True))
        batch.commit()
        assert recorder.requests == [["memo", "other", "applied"], ["other"]]
        assert [w.what for w in batch.kept] == ["applied"]  # held back
        assert batch.uncommitted() == {"e|memo"}
        assert batch.run_refused() and ran == ["again"]
        batch.commit()
    assert recorder.requests[-1] == ["applied"]


def test_a_guard_already_applied_drops_only_its_writes(recorder: Recorder) -> None:
    recorder.already = {"done"}
    with staged.collecting() as batch:
        staged.write(staged.Writes("done", [put("once#1")], guard=0))
        staged.write(staged.Writes("new", [put("once#2")], guard=0))
        batch.commit()
    assert recorder.requests == [["done", "new"], ["new"]]


def test_outside_a_pass_writes_go_at_once_and_a_refusal_is_a_conflict(
    recorder: Recorder,
) -> None:
    from chalicelib.storage.ops import Conflict

    assert staged.write(staged.Writes("now", [put("a#1")])) == "applied"
    recorder.already = {"seen"}
    assert staged.write(staged.Writes("seen", [put("a#2")], guard=0)) == "already"
    recorder.refuse = {"stale"}
    with pytest.raises(Conflict):
        staged.write(staged.Writes("stale", [put("a#3", condition=Row.n == 1)]))
    assert staged.recall("anything") is None  # nothing is remembered outside a pass
