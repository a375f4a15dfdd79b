"""Welcome messages: admin upkeep by role, and sending with WeCom's welcome codes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.callbacks import processing
from chalicelib.callbacks import store as inbox
from chalicelib.contacts import service as contacts
from chalicelib.welcome import service
from chalicelib.welcome.models import WelcomeMessageIn
from tests.support.admin import bearer
from tests.support.fake_wecom_api import (
    FakeWeComApi,
    contact_event_xml,
    dispatch_again,
    stored_event,
)

T0 = 1_700_000_000
EXT = "wmWelcome"
LINK = {"type": "link", "title": "Shop", "url": "https://shop.test/", "desc": "New arrivals"}


@pytest.fixture
def customer(wecom: FakeWeComApi) -> FakeWeComApi:
    wecom.customer(EXT, name="Bob")
    wecom.follow(EXT, "zhangsan", createtime=T0, state="poster")
    return wecom


def add(code: str | None = "WC1", state: str = "poster") -> str:
    return contact_event_xml(
        "add_external_contact", EXT, "zhangsan", create_time=T0, state=state, welcome_code=code
    )


def timeline_outcomes() -> list[tuple[str, str]]:
    return [
        (e.kind, str(e.detail.get("outcome")))
        for e in contacts.get_timeline(EXT, 20)
        if e.kind.startswith("welcome")
    ]


def test_an_operator_puts_and_a_viewer_reads(client: Any, wecom: FakeWeComApi) -> None:
    body = {"text": "Hello {name}", "attachments": [LINK]}
    put = client.http.put(
        "/admin/welcome-messages/poster",
        body=json.dumps(body),
        headers={**bearer("operator"), "Content-Type": "application/json"},
    )
    assert put.status_code == 200, put.body
    assert put.json_body["channel"] == "poster" and put.json_body["updated_by"] == "tester"
    one = client.http.get("/admin/welcome-messages/poster", headers=bearer("viewer"))
    assert one.json_body["attachments"] == [{**LINK, "picurl": None}]
    listed = client.http.get("/admin/welcome-messages", headers=bearer("viewer"))
    assert [m["channel"] for m in listed.json_body["items"]] == ["poster"]


def test_a_viewer_may_not_write_and_no_token_is_refused(client: Any, wecom: FakeWeComApi) -> None:
    headers = {**bearer("viewer"), "Content-Type": "application/json"}
    put = client.http.put("/admin/welcome-messages/poster", body='{"text": "x"}', headers=headers)
    assert put.status_code == 403
    assert client.http.get("/admin/welcome-messages").status_code == 401
    assert client.http.delete("/admin/welcome-messages/poster").status_code == 401


def test_bodies_beyond_wecoms_limits_are_refused(client: Any, wecom: FakeWeComApi) -> None:
    headers = {**bearer("operator"), "Content-Type": "application/json"}
    too_many = json.dumps({"text": "hi", "attachments": [LINK] * 10})
    response = client.http.put("/admin/welcome-messages/poster", body=too_many, headers=headers)
    assert response.status_code == 400 and "attachments" in response.json_body["message"]
    long_title = json.dumps({"attachments": [{**LINK, "title": "标" * 43}]})  # 129 bytes
    response = client.http.put("/admin/welcome-messages/poster", body=long_title, headers=headers)
    assert response.status_code == 400 and "title" in response.json_body["message"]
    bad_channel = client.http.put(
        "/admin/welcome-messages/a%23b", body='{"text": "x"}', headers=headers
    )
    assert bad_channel.status_code == 400


def test_delete_then_the_message_is_gone(client: Any, wecom: FakeWeComApi) -> None:
    service.put_message("poster", WelcomeMessageIn(text="x"), "t")
    deleted = client.http.delete("/admin/welcome-messages/poster", headers=bearer("operator"))
    assert deleted.status_code == 204
    again = client.http.delete("/admin/welcome-messages/poster", headers=bearer("operator"))
    assert again.status_code == 404
    assert client.http.get("/admin/welcome-messages", headers=bearer("viewer")).json_body == {
        "items": [],
        "next_cursor": None,
    }


def test_the_channels_message_is_sent_with_attachments_in_wecoms_shape(
    customer: FakeWeComApi,
) -> None:
    service.put_message("default", WelcomeMessageIn(text="default"), "t")
    service.put_message(
        "poster", WelcomeMessageIn.model_validate({"text": "Hi {name}", "attachments": [LINK]}), "t"
    )
    processing.process(stored_event(add()))
    [sent] = customer.welcomes
    assert sent["text"] == "Hi Bob"
    assert sent["attachments"] == [
        {
            "msgtype": "link",
            "link": {"title": "Shop", "url": "https://shop.test/", "desc": "New arrivals"},
        }
    ]
    assert timeline_outcomes() == [("welcome_sent", "sent")]


def test_the_default_is_the_fallback_and_no_code_sends_nothing(customer: FakeWeComApi) -> None:
    service.put_message("default", WelcomeMessageIn(text="Welcome, {name}"), "t")
    processing.process(stored_event(add(state="unknown-channel")))
    assert [w["text"] for w in customer.welcomes] == ["Welcome, Bob"]
    processing.process(stored_event(add(code=None, state="other")))
    assert len(customer.welcomes) == 1


def test_nothing_is_sent_when_no_message_is_configured(customer: FakeWeComApi) -> None:
    assert processing.process(stored_event(add())).outcome == "processed"
    assert customer.welcome_attempts == 0 and timeline_outcomes() == []


def test_already_sent_41051_counts_as_done(customer: FakeWeComApi) -> None:
    service.put_message("default", WelcomeMessageIn(text="x"), "t")
    customer.welcome_errors.append(41051)
    assert processing.process(stored_event(add())).outcome == "processed"
    assert timeline_outcomes() == [("welcome_sent", "already_sent")]


def test_busy_41096_is_retried_quickly(
    customer: FakeWeComApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(service, "sleep", waits.append)
    service.put_message("default", WelcomeMessageIn(text="x"), "t")
    customer.welcome_errors.extend([41096, 41096])
    assert processing.process(stored_event(add())).outcome == "processed"
    assert customer.welcome_attempts == 3 and len(customer.welcomes) == 1
    assert waits == list(service.BUSY_RETRY_DELAYS_S) and sum(waits) < 5


def test_an_expired_code_41050_is_on_the_timeline_and_not_retried(customer: FakeWeComApi) -> None:
    service.put_message("default", WelcomeMessageIn(text="x"), "t")
    customer.welcome_errors.append(41050)
    key = stored_event(add())
    assert processing.process(key).outcome == "processed"
    assert timeline_outcomes() == [("welcome_failed", "expired")]
    dispatch_again(add())
    assert customer.welcome_attempts == 1


def test_another_wecom_error_releases_the_claim_so_the_retry_sends(
    customer: FakeWeComApi,
) -> None:
    service.put_message("default", WelcomeMessageIn(text="x"), "t")
    customer.welcome_errors.append(48002)  # no permission, fixed by an admin meanwhile
    key = stored_event(add())
    assert processing.process(key, now=T0).outcome == "retry"
    later = T0 + 3600
    assert [r.outcome for r in processing.sweep(now=later)] == ["processed"]
    assert len(customer.welcomes) == 1
    item = inbox.get(key)
    assert item is not None and item.status == inbox.PROCESSED


def test_a_new_container_reads_the_code_channel_and_default_in_one_request(aws: None) -> None:
    from benchmarks.requests import counting
    from chalicelib.storage import kept

    service.put_message("poster", WelcomeMessageIn(text="From the poster"), "t")
    service.put_message("default", WelcomeMessageIn(text="Welcome"), "t")
    kept.forget_all()  # as a new container finds them

    with counting() as tally:
        chosen = service.choose("poster", "CODE1")
        again = service.choose("poster", "CODE1")
        fallback = service.choose("elsewhere")

    assert chosen is not None and chosen.text == "From the poster"  # no code message: the channel's
    assert again == chosen
    assert fallback is not None and fallback.text == "Welcome"
    # One BatchGetItem for the code's, the poster's and the default; the kept answers
    # after it, and one GetItem for the one channel not read before.
    assert tally.by_operation() == {"BatchGetItem": 1, "GetItem": 1}

    service.put_message(service.code_channel("CODE1"), WelcomeMessageIn(text="The code's"), "t")
    chosen = service.choose("poster", "CODE1")
    assert chosen is not None and chosen.text == "The code's"  # a change here is seen at once
