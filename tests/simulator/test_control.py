"""The call log, reset, staff seeding, unknown paths and the command line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.simulator.conftest import Client
from wecom_simulator import Simulator

ROOT = Path(__file__).resolve().parents[2]


def test_the_log_records_every_api_call_and_filters_by_path(client: Client) -> None:
    client.login()
    client.api(
        "externalcontact/add_msg_template", {"external_userid": ["wmx"], "text": {"content": "x"}}
    )
    client.api("externalcontact/list", userid="lisi")
    log = client.ctl("GET", "log")
    assert [row["path"] for row in log] == [
        "gettoken",
        "externalcontact/add_msg_template",
        "externalcontact/list",
    ]
    assert [row["seq"] for row in log] == sorted(row["seq"] for row in log)
    row = client.ctl("GET", "log?path=externalcontact/add_msg_template")
    assert len(row) == 1
    assert row[0]["method"] == "POST"
    assert row[0]["body"] == {"external_userid": ["wmx"], "text": {"content": "x"}}
    assert row[0]["status"] == 200
    assert row[0]["answer"]["errcode"] == 41048
    assert set(row[0]) == {"seq", "time", "method", "path", "query", "body", "status", "answer"}


def test_reset_forgets_log_state_faults_and_tokens(client: Client) -> None:
    client.login()
    client.ctl("POST", "customers/add", {"userid": "lisi"})
    client.ctl("POST", "faults", {"rules": [{"path": "nothing", "errcode": -1}]})
    client.ctl("POST", "staff", {"userid": "zhaoliu", "name": "赵六"})
    assert client.ctl("POST", "reset") == {"ok": True}
    assert client.ctl("GET", "log") == []
    assert client.ctl("GET", "callbacks") == []
    assert client.ctl("GET", "faults")["rules"] == []
    state = client.ctl("GET", "state")
    assert state["customers"] == []
    assert [s["userid"] for s in state["staff"]] == ["zhangsan", "lisi", "wangwu"]
    assert client.api("externalcontact/list", userid="lisi")["errcode"] == 40014


def test_unknown_paths_answer_in_wecom_style(client: Client) -> None:
    status, answer = client.request("GET", "/cgi-bin/externalcontact/nope")
    assert (status, answer["errcode"]) == (404, 48001)
    status, answer = client.request("GET", "/elsewhere")
    assert status == 404 and "errcode" in answer
    status, answer = client.request("POST", "/_sim/nope", {})
    assert status == 404 and "error" in answer
    status, answer = client.request(
        "POST", f"/cgi-bin/externalcontact/list?access_token={client.login()}", None
    )
    assert answer["errcode"] == 40058
    raw = urllib.request.Request(
        f"{client.base_url}/cgi-bin/externalcontact/remark?access_token={client.token}",
        data=b"{not json",
        method="POST",
    )
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(raw) as response:
        assert b'"errcode": 47001' in response.read()


def test_the_command_line_serves_on_the_given_port(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "WECOM_CORP_ID": "wwcli", "SIM_CALLBACK_URL": "http://127.0.0.1:9/cb"}
    child = subprocess.Popen(
        [sys.executable, "-m", "wecom_simulator", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = Client(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60  # a second when idle; minutes of load are possible
        while True:
            try:
                config = client.ctl("GET", "config")
                break
            except OSError:
                assert time.monotonic() < deadline, "the simulator did not start"
                time.sleep(0.05)
        assert config["corp_id"] == "wwcli"
        assert config["callback_url"] == "http://127.0.0.1:9/cb"
        assert "secret" not in config and "encoding_aes_key" not in config
    finally:
        child.terminate()
        child.wait(timeout=30)


def test_python_helpers_match_the_routes(sim: Simulator) -> None:
    status, added = sim.control("POST", "customers/add", {"userid": "lisi", "welcome": False})
    assert status == 200
    assert added["external_userid"] in sim.world.customers
    assert sim.deliveries()[-1]["xml"] == added["xml"]
    assert sim.api_base == f"{sim.base_url}/cgi-bin/"
