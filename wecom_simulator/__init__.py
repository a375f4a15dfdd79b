"""A WeCom (企业微信) simulator: the server API under ``/cgi-bin/`` and encrypted callback
pushes, on loopback, for tests and the local stack. Development tooling only."""

from __future__ import annotations

from wecom_simulator.config import SimConfig
from wecom_simulator.crypto import WeComCrypto
from wecom_simulator.server import Simulator

__all__ = ["SimConfig", "Simulator", "WeComCrypto"]
