"""What going live depends on, as the simulator plays it: the trusted-IP switch (60020)
and the domain verification file standing in for the trusted domain's root."""

from __future__ import annotations

from tests.simulator.conftest import Client


def test_an_untrusted_ip_gets_60020_on_every_api_call_but_gettoken(client: Client) -> None:
    assert client.ctl("POST", "trusted-ip", {"trusted": False}) == {"trusted": False}
    token = client.gettoken()
    assert token["errcode"] == 0 and token["access_token"]
    answer = client.api("externalcontact/get_corp_tag_list", {})
    assert answer["errcode"] == 60020
    client.ctl("POST", "trusted-ip", {"trusted": True})
    assert client.api("externalcontact/get_corp_tag_list", {})["errcode"] == 0


def test_reset_trusts_the_ip_again(client: Client) -> None:
    client.ctl("POST", "trusted-ip", {"trusted": False})
    client.ctl("POST", "reset")
    assert client.ctl("GET", "trusted-ip") == {"trusted": True}


def test_the_verification_file_is_served_then_missing(client: Client) -> None:
    assert client.request("GET", "/WW_verify_Abc123.txt")[0] == 404
    client.ctl("POST", "domain-verification", {"file": "WW_verify_Abc123.txt", "content": "Abc123"})
    assert client.request("GET", "/WW_verify_Abc123.txt") == (200, b"Abc123")
    assert client.request("GET", "/WW_verify_Other.txt")[0] == 404
    client.ctl("DELETE", "domain-verification")
    assert client.request("GET", "/WW_verify_Abc123.txt")[0] == 404


def test_a_verification_file_name_must_look_like_wecoms(client: Client) -> None:
    status, answer = client.request(
        "POST", "/_sim/domain-verification", {"file": "../etc/passwd", "content": "x"}
    )
    assert status == 400 and "WW_verify_" in answer["error"]
