"""The local stack's environment: what differs from AWS is configuration only."""

from __future__ import annotations

import pytest

from local_stack import StackConfig

pytestmark = pytest.mark.unit


def test_a_saved_configuration_reaches_the_next_add_at_once_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the API and the stream are separate processes: nothing kept between them by default
    monkeypatch.delenv("CONFIG_KEPT_S", raising=False)
    assert StackConfig().app_env()["CONFIG_KEPT_S"] == "0"
    monkeypatch.setenv("CONFIG_KEPT_S", "30")  # an exported variable wins
    assert StackConfig().app_env()["CONFIG_KEPT_S"] == "30"
