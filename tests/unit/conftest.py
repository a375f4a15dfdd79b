"""Unit tier: no network at all (pytest-socket)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_network(socket_disabled: None) -> None:
    """Every unit test runs with sockets disabled."""
