"""gettoken and the access-token checks: 40013 / 40001 / 41001 / 40014 / 42001."""

from __future__ import annotations

from tests.simulator.conftest import CORP_ID, Client, Clock
from wecom_simulator import Simulator


def test_gettoken_issues_a_token_for_7200_seconds(client: Client) -> None:
    answer = client.gettoken()
    assert answer["errcode"] == 0
    assert answer["expires_in"] == 7200
    assert len(answer["access_token"]) >= 32


def test_wrong_credentials_are_refused(client: Client) -> None:
    assert client.gettoken(corpid="wwnobody")["errcode"] == 40013
    assert client.gettoken(corpid=CORP_ID, secret="wrong")["errcode"] == 40001


def test_missing_unknown_and_expired_tokens(client: Client, sim: Simulator, clock: Clock) -> None:
    assert client.api("externalcontact/list", token="", userid="zhangsan")["errcode"] == 41001
    answer = client.api("externalcontact/list", token="forged", userid="zhangsan")
    assert answer["errcode"] == 40014
    token = client.login()
    assert client.api("externalcontact/list", userid="zhangsan")["errcode"] == 0
    clock.advance(7200)
    assert client.api("externalcontact/list", token=token, userid="zhangsan")["errcode"] == 42001


def test_a_short_token_lifetime_is_configurable(sim: Simulator, client: Client) -> None:
    client.ctl("POST", "config", {"token_ttl_s": 5})
    assert client.gettoken()["expires_in"] == 5
    client.login()
    client.ctl("POST", "clock", {"advance_s": 5})
    assert client.api("externalcontact/list", userid="zhangsan")["errcode"] == 42001


def test_wecom_can_end_tokens_early(client: Client) -> None:
    client.login()
    assert client.ctl("POST", "tokens/expire")["expired"] == 1
    assert client.api("externalcontact/list", userid="zhangsan")["errcode"] == 42001
    client.login()
    assert client.api("externalcontact/list", userid="zhangsan")["errcode"] == 0


def test_the_log_never_shows_the_secret_or_tokens(client: Client) -> None:
    token = client.login()
    client.api("externalcontact/list", userid="zhangsan")
    log = client.ctl("GET", "log")
    text = str(log)
    assert token not in text
    assert "sim-test-secret" not in text
    assert log[0]["query"]["corpsecret"] == "***"
    assert log[0]["answer"]["access_token"] == "***"
    assert log[1]["query"]["access_token"] == "***"
