"""Webhook secrets in the environment and a fake WeCom, over moto's tables."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fake_wecom_api import FakeWeComApi
from tests.support.orders import WEBHOOK_ENV


@pytest.fixture(autouse=True)
def _webhook_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in WEBHOOK_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def wecom(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeComApi]:
    from chalicelib.wecom.client import use_client
    from chalicelib.welcome import service as welcome_service

    fake = FakeWeComApi()
    use_client(fake)  # type: ignore[arg-type]
    monkeypatch.setattr(welcome_service, "sleep", lambda seconds: None)
    yield fake
