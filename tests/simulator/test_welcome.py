"""send_welcome_msg: a WelcomeCode is valid 20 s and usable once."""

from __future__ import annotations

from tests.simulator.conftest import Client, Clock


def new_code(client: Client, **extra: object) -> str:
    added = client.ctl("POST", "customers/add", {"userid": "zhangsan", **extra})
    return str(added["welcome_code"])


def send(client: Client, code: str, content: str = "Welcome!", **extra: object) -> int:
    body = {"welcome_code": code, "text": {"content": content}, **extra}
    return int(client.api("externalcontact/send_welcome_msg", body)["errcode"])


def test_a_code_works_once(client: Client) -> None:
    code = new_code(client)
    assert send(client, code) == 0
    assert send(client, code) == 41051
    [sent] = client.ctl("GET", "state")["welcome_messages"]
    assert (sent["welcome_code"], sent["text"]) == (code, "Welcome!")


def test_a_code_expires_after_20_seconds(client: Client, clock: Clock) -> None:
    fresh, stale = new_code(client), new_code(client)
    clock.advance(19.9)
    assert send(client, fresh) == 0
    clock.advance(0.1)
    assert send(client, stale) == 41050


def test_unknown_codes_and_no_code_when_welcome_is_off(client: Client) -> None:
    assert send(client, "WC-made-up") == 41050
    assert new_code(client, welcome=False) == "None"


def test_content_limits_leave_the_code_usable(client: Client) -> None:
    code = new_code(client)
    assert send(client, code, content="字" * 1334) == 40058  # 4002 bytes
    image = {"msgtype": "image", "image": {"media_id": "m"}}
    assert send(client, code, attachments=[image] * 10) == 40058
    assert send(client, code, content="字" * 1333, attachments=[image] * 9) == 0


def test_another_app_sending_is_a_fault_that_keeps_the_code(client: Client) -> None:
    code = new_code(client)
    client.ctl(
        "POST",
        "faults",
        {"rules": [{"path": "externalcontact/send_welcome_msg", "errcode": 41096, "times": 1}]},
    )
    assert send(client, code) == 41096
    assert send(client, code) == 0
