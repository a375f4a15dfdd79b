"""Configuration kept in the container: answers reused, several read in one request."""

from __future__ import annotations

import pytest

from chalicelib.storage.kept import KeptByKey


class Source:
    def __init__(self) -> None:
        self.stored = {"a": 1, "b": 2}
        self.reads: list[list[str]] = []

    def read(self, key: str) -> int | None:
        self.reads.append([key])
        return self.stored.get(key)

    def read_many(self, keys: list[str]) -> dict[str, int | None]:
        self.reads.append(list(keys))
        return {key: self.stored.get(key) for key in keys}


@pytest.fixture
def clock() -> list[float]:
    return [100.0]


def test_the_keys_not_kept_are_read_together_once(
    clock: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFIG_KEPT_S", "30")
    source = Source()
    kept = KeptByKey(source.read, lambda: clock[0], read_many=source.read_many)

    assert kept.get("a") == 1
    assert kept.get_each(["a", "b", "c", "b"]) == [1, 2, None, 2]
    assert source.reads == [["a"], ["b", "c"]]  # "a" was kept; "b" asked for once

    source.stored["b"] = 20
    assert kept.get_each(["c", "b"]) == [None, 2]  # kept, "None" included
    clock[0] += 31
    assert kept.get_each(["c", "b"]) == [None, 20]
    assert source.reads[-1] == ["c", "b"]


def test_without_a_batch_reader_or_with_one_key_each_is_read_alone(
    clock: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFIG_KEPT_S", "0")  # nothing kept: read every time
    source = Source()
    alone = KeptByKey(source.read, lambda: clock[0])
    assert alone.get_each(["a", "b"]) == [1, 2]
    batched = KeptByKey(source.read, lambda: clock[0], read_many=source.read_many)
    assert batched.get_each(["b"]) == [2]
    assert batched.get_each(["a", "b"]) == [1, 2]
    assert source.reads == [["a"], ["b"], ["b"], ["a", "b"]]
