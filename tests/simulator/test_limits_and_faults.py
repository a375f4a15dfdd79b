"""45009 rate limits and on-demand faults (errcodes, latency, HTTP 500, dropped sockets)."""

from __future__ import annotations

import http.client
import time
import urllib.error

import pytest

from tests.simulator.conftest import Client, Clock
from wecom_simulator import SimConfig, Simulator


def test_calls_over_the_per_minute_limit_get_45009(client: Client, clock: Clock) -> None:
    client.login()
    client.ctl("POST", "config", {"rate_limit_per_minute": 3})
    codes = [client.api("externalcontact/list", userid="lisi")["errcode"] for _ in range(4)]
    assert codes == [0, 0, 0, 45009]
    assert client.api("externalcontact/get_corp_tag_list", {})["errcode"] == 0  # per API
    clock.advance(60)
    assert client.api("externalcontact/list", userid="lisi")["errcode"] == 0


def test_moments_are_limited_to_10_per_minute(client: Client) -> None:
    body = {"text": {"content": "New arrivals"}}
    codes = [client.api("externalcontact/add_moment_task", body)["errcode"] for _ in range(11)]
    assert codes == [0] * 10 + [45009]


def test_times_makes_a_fault_deterministic(client: Client) -> None:
    client.login()
    client.ctl(
        "POST", "faults", {"rules": [{"path": "externalcontact/list", "errcode": -1, "times": 2}]}
    )
    codes = [client.api("externalcontact/list", userid="lisi")["errcode"] for _ in range(3)]
    assert codes == [-1, -1, 0]
    assert client.ctl("GET", "faults")["rules"] == []


def test_rate_faults_follow_the_seed(sim: Simulator, client: Client) -> None:
    client.login()

    def pattern() -> list[int]:
        client.ctl(
            "POST", "faults", {"seed": 7, "rules": [{"path": "*", "rate": 0.5, "errcode": 45009}]}
        )
        return [client.api("externalcontact/list", userid="lisi")["errcode"] for _ in range(20)]

    first, second = pattern(), pattern()
    assert first == second
    assert 0 < first.count(45009) < 20
    client.ctl("DELETE", "faults")
    assert client.api("externalcontact/list", userid="lisi")["errcode"] == 0


def test_latency_http_errors_and_dropped_connections(client: Client) -> None:
    client.ctl(
        "POST",
        "faults",
        {
            "rules": [
                {"path": "gettoken", "delay_ms": 300, "times": 1},
                {"path": "externalcontact/get_corp_tag_list", "http_status": 500, "times": 1},
                {"path": "externalcontact/list", "drop": True, "times": 1},
            ]
        },
    )
    started = time.monotonic()
    client.login()
    assert time.monotonic() - started >= 0.3
    status, answer = client.request(
        "POST", f"/cgi-bin/externalcontact/get_corp_tag_list?access_token={client.token}", {}
    )
    assert (status, answer["errcode"]) == (500, -1)
    with pytest.raises((http.client.RemoteDisconnected, urllib.error.URLError, ConnectionError)):
        client.api("externalcontact/list", userid="lisi")
    assert client.api("externalcontact/list", userid="lisi")["errcode"] == 0
    statuses = [row["status"] for row in client.ctl("GET", "log")]
    assert statuses == [200, 500, "dropped", 200]


def test_bad_fault_rules_are_refused(client: Client) -> None:
    status, answer = client.request("POST", "/_sim/faults", {"rules": [{"path": "*"}]})
    assert status == 400 and answer["errcode"] == 40058


def test_a_config_fault_seed_is_used() -> None:
    with Simulator(SimConfig(port=0, fault_seed=3)) as sim:
        sim.set_faults([{"rate": 0.5, "errcode": -1}])
        first = [sim.engine.faults.pick("x") is not None for _ in range(10)]
        sim.set_faults([{"rate": 0.5, "errcode": -1}])
        assert [sim.engine.faults.pick("x") is not None for _ in range(10)] == first
