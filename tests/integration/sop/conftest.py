"""SOP tier: moto's tables and the WeCom simulator in-process on a loopback port; the
product's WeCom client points at it, and tests read the simulator's call log."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import AGENT_ID, CORP_ID
from wecom_simulator import SimConfig, Simulator
from wecom_simulator.state import Follow

SHANGHAI = ZoneInfo("Asia/Shanghai")
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def local(text: str) -> int:
    """Epoch seconds of a Shanghai local time ``YYYY-MM-DD HH:MM``."""
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI).timestamp())


@dataclass
class Sim:
    sim: Simulator

    def log(self, path: str) -> list[dict[str, Any]]:
        """``GET /_sim/log?path=…``: every call of one API, in order."""
        url = f"{self.sim.base_url}/_sim/log?path={path}"
        with _OPENER.open(url, timeout=30) as answer:
            return list(json.loads(answer.read()))

    def mass_calls(self) -> list[dict[str, Any]]:
        return [c["body"] for c in self.log("externalcontact/add_msg_template")]

    def befriend(self, userid: str, external_ids: list[str]) -> None:
        world = self.sim.world
        for external_userid in external_ids:
            world.follows[(userid, external_userid)] = Follow(userid, external_userid, 0)

    def confirm(self, msgid: str) -> dict[str, Any]:
        status, answer = self.sim.control("POST", f"msg_templates/{msgid}/confirm", {}, {})
        assert status == 200, answer
        return dict(answer)


@pytest.fixture
def sim(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sim]:
    config = SimConfig(port=0, corp_id=CORP_ID, secret="sim-secret-for-tests", agent_id=AGENT_ID)
    with Simulator(config) as simulator:
        monkeypatch.setenv("WECOM_API_BASE", simulator.api_base)
        from chalicelib.core.settings import reset_settings
        from chalicelib.wecom.client import reset_client

        reset_settings()
        reset_client()
        yield Sim(simulator)


@pytest.fixture
def one_a_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """A customer may receive one mass message a day (``MESSAGE_CAP_PER_DAY=1``)."""
    monkeypatch.setenv("MESSAGE_CAP_PER_DAY", "1")
    from chalicelib.core.settings import reset_settings

    reset_settings()
