"""Fuzz tier: Hypothesis drives the public entry points (the WeCom callback, order webhooks,
live-code scans) through the Chalice test client over moto, in process.

Each test states how many inputs it tries; the counts are printed (``-s``) and asserted.
Runs are derandomized so CI is repeatable; ``FUZZ_RANDOM=1`` explores new inputs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings

from tests.conftest import ROOT
from tests.support.fake_wecom_api import FakeWeComApi


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=os.environ.get("FUZZ_RANDOM") != "1",
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )


@pytest.fixture
def aws() -> Iterator[None]:
    from tests.support.aws import mocked_aws

    with mocked_aws():
        yield


@pytest.fixture
def wecom(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeComApi]:
    from chalicelib.wecom.client import use_client
    from chalicelib.welcome import service as welcome_service

    fake = FakeWeComApi()
    use_client(fake)  # type: ignore[arg-type]
    monkeypatch.setattr(welcome_service, "sleep", lambda seconds: None)
    yield fake


@pytest.fixture
def client(wecom: FakeWeComApi) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local", project_dir=str(ROOT)) as test_client:
        yield test_client


class Tally:
    """Inputs tried and answers seen, per entry point."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.tried = 0
        self.statuses: dict[int, int] = {}

    def saw(self, status: int) -> None:
        self.tried += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def report(self) -> str:
        return f"{self.name}: {self.tried} inputs; statuses {dict(sorted(self.statuses.items()))}"


#: What byte-level mutations splice in: XML's own metacharacters, entity and DTD openers,
#: control bytes and very long runs.
SPLICES = [
    b"<", b">", b"&", b"]]>", b"<![CDATA[", b"&amp;", b"&#0;", b"&#x110000;", b"\x00", b"\xff",
    b"<x>", b"</xml>", b"<!DOCTYPE x>", b'<?xml version="1.0" encoding="gbk"?>', b"&xxe;",
    b"\xe4\xb8\xad", b"A" * 4096, b"<Encrypt>", b"</Encrypt>",
]  # fmt: skip


def mutations(data: bytes, seed: int, count: int) -> list[bytes]:
    """``count`` variants of ``data``, each with a few splices, deletions or duplications
    (seeded by the Hypothesis example, so a failure reproduces)."""
    import random

    rng = random.Random(seed)
    variants = []
    for _ in range(count):
        out = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            at = rng.randint(0, len(out))
            action = rng.randrange(4)
            if action == 0:
                out[at:at] = rng.choice(SPLICES)
            elif action == 1:
                del out[at : at + rng.randint(1, 32)]
            elif action == 2:
                out[at:at] = out[max(0, at - 64) : at]
            elif out:
                out[min(at, len(out) - 1)] = rng.randrange(256)
        variants.append(bytes(out))
    return variants
