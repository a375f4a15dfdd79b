"""The in-process token store honours expiry, with a margin (wechatpy's does not)."""

from __future__ import annotations

from chalicelib.wecom.token_store import EXPIRY_MARGIN_S, MemoryTokenStore, token_key


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_token_is_served_until_60_seconds_before_its_expiry() -> None:
    clock = Clock()
    store = MemoryTokenStore(clock=clock)
    store.set("k", "tok", ttl=7200)

    clock.now += 7200 - EXPIRY_MARGIN_S - 1
    assert store.get("k") == "tok"
    clock.now += 1
    assert store.get("k") is None
    assert store.get("k", "fallback") == "fallback"


def test_a_token_stored_without_ttl_lives_7200_seconds() -> None:
    clock = Clock()
    store = MemoryTokenStore(clock=clock)
    store.set("k", "tok")

    clock.now += 7000
    assert store.get("k") == "tok"
    clock.now += 150
    assert store.get("k") is None


def test_discard_keeps_a_newer_token() -> None:
    store = MemoryTokenStore()
    store.set("k", "new", ttl=7200)

    store.discard("k", "old")
    assert store.get("k") == "new"
    store.discard("k", "new")
    assert store.get("k") is None


def test_delete() -> None:
    store = MemoryTokenStore()
    store.set("k", "tok", ttl=7200)
    store.delete("k")
    store.delete("k")
    assert store.get("k") is None


def test_token_key() -> None:
    assert token_key("ww1", 1000002) == "wecom-token#ww1#1000002"
