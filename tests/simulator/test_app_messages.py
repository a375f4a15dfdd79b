"""message/send's duplicate check, as WeCom does it: the same request JSON within the
interval is not delivered again; the product's client, timed out by a slow WeCom, replays
the request and the member still gets it once."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.wecom.client import RetryPolicy, WeComClient
from chalicelib.wecom.token_store import MemoryTokenStore
from tests.simulator.conftest import AGENT_ID, CORP_ID, SECRET, Client, Clock
from wecom_simulator import Simulator

BODY = {
    "touser": "zhangsan",
    "msgtype": "text",
    "agentid": AGENT_ID,
    "text": {"content": "客户流失提醒"},
    "enable_duplicate_check": 1,
    "duplicate_check_interval": 600,
}


def _delivered(client: Client) -> list[dict[str, Any]]:
    return list(client.ctl("GET", "state")["app_messages"])


def test_the_same_request_within_the_interval_is_delivered_once(
    client: Client, clock: Clock
) -> None:
    first = client.api("message/send", BODY)
    again = client.api("message/send", BODY)
    assert first["errcode"] == again["errcode"] == 0
    assert again["msgid"] == first["msgid"]
    assert len(_delivered(client)) == 1
    other = client.api("message/send", {**BODY, "text": {"content": "another"}})
    assert other["msgid"] != first["msgid"]
    clock.advance(601)  # the interval is over: the same request is a new message
    assert client.api("message/send", BODY)["msgid"] != first["msgid"]
    assert len(_delivered(client)) == 3


def test_without_the_check_every_request_is_delivered(client: Client) -> None:
    body = {k: v for k, v in BODY.items() if not k.startswith(("enable", "duplicate"))}
    client.api("message/send", body)
    client.api("message/send", body)
    assert len(_delivered(client)) == 2


@pytest.mark.parametrize("interval", [0, 14_401, "x"])
def test_an_interval_outside_what_wecom_allows_is_refused(client: Client, interval: Any) -> None:
    assert (
        client.api("message/send", {**BODY, "duplicate_check_interval": interval})["errcode"]
        == 40058
    )


def test_a_send_that_times_out_is_replayed_and_delivered_once(
    sim: Simulator, client: Client
) -> None:
    client.ctl(
        "POST", "faults", {"rules": [{"path": "message/send", "delay_ms": 1500, "times": 1}]}
    )
    product = WeComClient(
        CORP_ID,
        SECRET,
        agent_id=int(AGENT_ID),
        session=MemoryTokenStore(),
        timeout=0.5,
        api_base=sim.base_url + "/cgi-bin/",
        retry=RetryPolicy(attempts=3, base_delay_s=1.5, max_delay_s=2.0),
    )
    answer = product.send_app_message("zhangsan", "客户流失提醒：slow WeCom")
    assert answer["errcode"] == 0
    sent = [m for m in _delivered(client) if "slow WeCom" in m["text"]["content"]]
    assert len(sent) == 1
