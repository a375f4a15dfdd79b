"""The WeCom client's retry, refresh, timeout and logging rules, against a scripted WeCom."""

from __future__ import annotations

import logging
import random
import traceback
from collections.abc import Iterator

import pytest
import requests

from chalicelib.core.errors import BadRequest, DependencyUnavailable
from chalicelib.core.observability import SERVICE
from chalicelib.wecom import client as client_module
from chalicelib.wecom.client import (
    RetryPolicy,
    WeComClient,
    get_client,
    redact,
    reset_client,
    use_client,
)
from chalicelib.wecom.errors import (
    WeComError,
    WeComRateLimited,
    WeComTokenInvalid,
    WeComUnavailable,
    errcode_of,
    is_errcode,
)
from chalicelib.wecom.token_store import DynamoTokenStore, MemoryTokenStore
from tests.conftest import AGENT_ID, CORP_ID
from tests.unit.wecom.fake_wecom import API_BASE, FakeWeCom, Http, mount

SECRET = "sim-secret-for-tests"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sleeps: list[float]) -> WeComClient:
    return WeComClient(
        session=MemoryTokenStore(),
        api_base=API_BASE,
        sleep=sleeps.append,
        rng=random.Random(7),
    )


@pytest.fixture
def wecom(client: WeComClient) -> FakeWeCom:
    return mount(client)


@pytest.fixture(autouse=True)
def _no_process_client() -> Iterator[None]:
    reset_client()
    yield
    reset_client()


# --- token refresh -------------------------------------------------------------------------


@pytest.mark.parametrize("errcode", [42001, 40014, 41001, 40001])
def test_a_persistently_refused_token_ends_in_a_typed_error_after_one_refresh(
    client: WeComClient, wecom: FakeWeCom, errcode: int
) -> None:
    wecom.forever("externalcontact/get", errcode)

    with pytest.raises(WeComTokenInvalid) as raised:
        client.get_external_contact("wmEXTERNAL")

    assert raised.value.errcode == errcode
    assert raised.value.path == "externalcontact/get"
    assert wecom.gettoken_calls == 2  # the first token, then one refresh: never more
    assert len(wecom.to("externalcontact/get")) == 2


def test_one_refused_token_is_refreshed_once_and_the_call_succeeds(
    client: WeComClient, wecom: FakeWeCom
) -> None:
    wecom.on("externalcontact/get", 40014)

    result = client.get_external_contact("wmEXTERNAL")

    assert result["errcode"] == 0
    calls = wecom.to("externalcontact/get")
    assert [c.query["access_token"] for c in calls] == [
        "TOKEN-0001-SECRETLIKE",
        "TOKEN-0002-SECRETLIKE",
    ]
    assert wecom.gettoken_calls == 2


def test_when_the_shared_token_is_revoked_too_the_client_fetches_its_own(
    sleeps: list[float],
) -> None:
    """A reset secret revokes every token: the one another instance left in the shared
    store is as dead as ours, so the retry must not be spent on it."""
    store = MemoryTokenStore()
    client = WeComClient(session=store, api_base=API_BASE, sleep=sleeps.append)
    wecom = mount(client)
    store.set(client.access_token_key, "REVOKED-MINE", 7200)
    wecom.on("externalcontact/get", 40014)

    real_discard = store.discard

    def discard_then_another_instance_stores(key: str, value: str) -> None:
        real_discard(key, value)
        store.set(key, "REVOKED-OTHER", 7200)

    store.discard = discard_then_another_instance_stores  # type: ignore[method-assign]

    result = client.get_external_contact("wmEXTERNAL")

    assert result["errcode"] == 0
    tokens = [c.query["access_token"] for c in wecom.to("externalcontact/get")]
    # Mine, then the shared one (it might have been fresh), then gettoken's: never a loop.
    assert tokens == ["REVOKED-MINE", "REVOKED-OTHER", "TOKEN-0001-SECRETLIKE"]
    assert wecom.gettoken_calls == 1


def test_the_token_is_fetched_once_and_reused(client: WeComClient, wecom: FakeWeCom) -> None:
    for _ in range(3):
        client.get_group_chat("wrCHAT")

    assert wecom.gettoken_calls == 1


def test_gettoken_refusing_the_credentials_is_not_retried(
    client: WeComClient, wecom: FakeWeCom
) -> None:
    wecom.forever("gettoken", 40001)

    with pytest.raises(WeComTokenInvalid) as raised:
        client.get_corp_tag_list()

    assert raised.value.errcode == 40001
    assert raised.value.path == "gettoken"
    assert wecom.gettoken_calls == 1
    assert wecom.to("externalcontact/get_corp_tag_list") == []


def test_gettoken_sends_the_corp_id_and_the_lazily_read_secret(
    client: WeComClient, wecom: FakeWeCom
) -> None:
    client.get_corp_tag_list()

    (call,) = wecom.to("gettoken")
    assert call.method == "GET"
    assert call.query == {"corpid": CORP_ID, "corpsecret": SECRET}


def test_the_token_key_names_corp_and_agent_but_no_part_of_the_secret(
    client: WeComClient,
) -> None:
    assert client.access_token_key == f"wecom-token#{CORP_ID}#{AGENT_ID}"
    assert SECRET[:6] not in client.access_token_key


# --- busy, limits, timeouts ------------------------------------------------------------------


def test_busy_is_retried_with_backoff_then_raised_as_unavailable(
    client: WeComClient, wecom: FakeWeCom, sleeps: list[float]
) -> None:
    wecom.forever("externalcontact/groupchat/get", -1)

    with pytest.raises(WeComUnavailable) as raised:
        client.get_group_chat("wrCHAT")

    assert raised.value.errcode == -1
    assert isinstance(raised.value, DependencyUnavailable)
    assert len(wecom.to("externalcontact/groupchat/get")) == 3
    assert len(sleeps) == 2
    assert 0.125 <= sleeps[0] <= 0.25
    assert 0.25 <= sleeps[1] <= 0.5


@pytest.mark.parametrize("errcode", [45009, 45033])
def test_limits_are_retried_with_backoff_then_raised_as_rate_limited(
    client: WeComClient, wecom: FakeWeCom, sleeps: list[float], errcode: int
) -> None:
    wecom.forever("externalcontact/mark_tag", errcode)

    with pytest.raises(WeComRateLimited) as raised:
        client.mark_tag("zhangsan", "wmEXTERNAL", add=["etTAG"])

    assert raised.value.errcode == errcode
    assert raised.value.status == 503
    assert len(wecom.to("externalcontact/mark_tag")) == 3
    assert len(sleeps) == 2
    assert sleeps[0] < sleeps[1]


def test_a_busy_answer_then_success_returns_the_result(
    client: WeComClient, wecom: FakeWeCom, sleeps: list[float]
) -> None:
    wecom.on("externalcontact/batch/get_by_user", -1, {"errcode": 0, "next_cursor": ""})

    page = client.batch_get_by_user(["zhangsan"])

    assert page["next_cursor"] == ""
    assert len(sleeps) == 1


def test_the_backoff_never_exceeds_its_cap() -> None:
    policy = RetryPolicy(attempts=10, base_delay_s=0.25, max_delay_s=2.0)
    rng = random.Random(1)
    assert max(policy.delay(n, rng) for n in range(20)) <= 2.0


def test_timeouts_are_retried_then_raised_as_unavailable(
    client: WeComClient, wecom: FakeWeCom, sleeps: list[float]
) -> None:
    client.get_corp_tag_list()  # a token first
    wecom.forever("externalcontact/groupchat/get", requests.ReadTimeout("read timed out"))

    with pytest.raises(WeComUnavailable) as raised:
        client.get_group_chat("wrCHAT")

    assert raised.value.errcode is None
    assert "ReadTimeout" in raised.value.errmsg
    assert len(wecom.to("externalcontact/groupchat/get")) == 3
    assert len(sleeps) == 2


def test_a_send_that_may_have_reached_wecom_is_not_replayed(
    client: WeComClient, wecom: FakeWeCom
) -> None:
    wecom.forever("externalcontact/send_welcome_msg", requests.ReadTimeout("read timed out"))

    with pytest.raises(WeComUnavailable):
        client.send_welcome_msg("WC", "welcome")

    assert len(wecom.to("externalcontact/send_welcome_msg")) == 1


def test_an_app_message_that_timed_out_is_replayed_under_wecoms_duplicate_check(
    client: WeComClient, wecom: FakeWeCom
) -> None:
    wecom.on("message/send", requests.ReadTimeout("read timed out"))

    assert client.send_app_message("zhangsan", "a customer left")["errcode"] == 0

    first, again = wecom.to("message/send")
    assert first.body == again.body  # the same request JSON: WeCom delivers it once
    assert (first.body["enable_duplicate_check"], first.body["duplicate_check_interval"]) == (
        1,
        14_400,
    )


def test_a_send_whose_connection_never_opened_is_retried(
    client: WeComClient, wecom: FakeWeCom
) -> None:
    wecom.on("message/send", requests.ConnectTimeout("connect timed out"))

    result = client.send_app_message(["zhangsan", "lisi"], "reminder")

    assert result["errcode"] == 0
    assert len(wecom.to("message/send")) == 2


def test_http_5xx_is_retried_then_unavailable(client: WeComClient, wecom: FakeWeCom) -> None:
    wecom.forever("externalcontact/get_corp_tag_list", Http(502))

    with pytest.raises(WeComUnavailable):
        client.get_corp_tag_list()

    assert len(wecom.to("externalcontact/get_corp_tag_list")) == 3


def test_gettoken_is_retried_on_timeouts_too(client: WeComClient, wecom: FakeWeCom) -> None:
    wecom.on("gettoken", requests.ConnectionError("reset"), requests.ReadTimeout("slow"))

    client.get_corp_tag_list()

    assert wecom.gettoken_calls == 3


def test_every_call_gettoken_included_carries_the_timeout() -> None:
    client = WeComClient(session=MemoryTokenStore(), api_base=API_BASE, timeout=1.5)
    wecom = mount(client)

    client.get_group_chat("wrCHAT")
    client.post("externalcontact/remark", {"userid": "zhangsan", "remark": "VIP"})

    assert [c.path for c in wecom.calls] == [
        "gettoken",
        "externalcontact/groupchat/get",
        "externalcontact/remark",
    ]
    assert all(c.timeout == 1.5 for c in wecom.calls)


def test_the_timeout_defaults_to_the_setting(client: WeComClient, wecom: FakeWeCom) -> None:
    client.get_corp_tag_list()

    assert wecom.to("gettoken")[0].timeout == 3.0


# --- secrets stay out of logs and errors -----------------------------------------------------


def test_neither_token_nor_secret_reaches_logs_or_errors(
    client: WeComClient,
    wecom: FakeWeCom,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger=SERVICE)
    wecom.on("externalcontact/get", 42001, -1)  # a refresh and a backoff, both logged
    client.get_external_contact("wmEXTERNAL")
    token = wecom.calls[-1].query["access_token"]
    leaky = requests.ConnectionError(
        f"Max retries exceeded with url: /cgi-bin/externalcontact/get?access_token={token}"
        f"&corpsecret={SECRET}"
    )
    wecom.forever("externalcontact/get", leaky)

    with pytest.raises(WeComUnavailable) as raised:
        client.get_external_contact("wmEXTERNAL")
    logging.getLogger(SERVICE).exception("handler failed", exc_info=raised.value)

    printed = "".join(traceback.format_exception(raised.value))
    records = [repr(r.__dict__) for r in caplog.records]
    assert len(records) >= 5, "the client logged too little: the test proves nothing"
    assert any("access_token=***" in r for r in records)  # the reason is logged, redacted
    outputs = (caplog.text, *records, capsys.readouterr().out, printed, str(raised.value))
    for text in (*outputs, repr(raised.value.__dict__)):
        assert token not in text
        assert "TOKEN-0001" not in text
        assert SECRET not in text
    assert "access_token=***" in raised.value.errmsg


def test_redact_hides_token_and_secret_values() -> None:
    url = "https://x/cgi-bin/gettoken?corpid=ww1&corpsecret=S3cr3t&access_token=abc"
    assert redact(url) == "https://x/cgi-bin/gettoken?corpid=ww1&corpsecret=***&access_token=***"


# --- typed errors and methods ----------------------------------------------------------------


def test_other_errcodes_become_a_typed_error_with_the_code(
    client: WeComClient, wecom: FakeWeCom
) -> None:
    wecom.on("externalcontact/send_welcome_msg", 41051)

    with pytest.raises(WeComError) as raised:
        client.send_welcome_msg("WELCOMECODE", "hello")

    assert raised.value.errcode == 41051
    assert is_errcode(raised.value, 41050, 41051)
    assert errcode_of(raised.value) == 41051
    assert not is_errcode(ValueError("x"), 41051)
    assert not isinstance(raised.value, WeComUnavailable)
    assert len(wecom.to("externalcontact/send_welcome_msg")) == 1


def test_any_endpoint_uses_the_same_token_and_error_handling(
    client: WeComClient, wecom: FakeWeCom
) -> None:
    wecom.on("externalcontact/get", 84061)

    with pytest.raises(WeComError) as raised:
        client.get("externalcontact/get", {"external_userid": "wmUNKNOWN"})
    assert raised.value.errcode == 84061

    client.post("externalcontact/groupchat/get", {"chat_id": "wrCHAT"})
    client.get("user/get", {"userid": "zhangsan"})
    assert {c.query["access_token"] for c in wecom.calls if c.path != "gettoken"} == {
        "TOKEN-0001-SECRETLIKE"
    }
    assert len(wecom.to("gettoken")) == 1


def test_get_external_contact_follows_the_cursor_past_500_followers(
    client: WeComClient, wecom: FakeWeCom
) -> None:
    wecom.on(
        "externalcontact/get",
        {
            "errcode": 0,
            "external_contact": {"name": "A"},
            "follow_user": [{"userid": "u1"}],
            "next_cursor": "c1",
        },
        {"errcode": 0, "follow_user": [{"userid": "u2"}], "next_cursor": "c2"},
        {"errcode": 0, "follow_user": [{"userid": "u3"}], "next_cursor": ""},
    )

    result = client.get_external_contact("wmEXTERNAL")

    assert [f["userid"] for f in result["follow_user"]] == ["u1", "u2", "u3"]
    assert result["external_contact"] == {"name": "A"}
    assert [c.query.get("cursor") for c in wecom.to("externalcontact/get")] == [None, "c1", "c2"]


def test_request_bodies(client: WeComClient, wecom: FakeWeCom) -> None:
    client.send_welcome_msg("WC", "hi", [{"msgtype": "link", "link": {"title": "t", "url": "u"}}])
    client.mark_tag("zhangsan", "wmEXT", add=["a"], remove=["b"])
    client.send_app_message(["zhangsan", "lisi"], "churn alert")
    client.batch_get_by_user(["zhangsan"], cursor="c", limit=50)
    wecom.on("externalcontact/get_corp_tag_list", {"errcode": 0, "tag_group": [{"group_id": "g"}]})
    assert client.get_corp_tag_list(group_ids=["g"]) == [{"group_id": "g"}]

    bodies = {c.path: c.body for c in wecom.calls if c.method == "POST"}
    assert bodies["externalcontact/send_welcome_msg"] == {
        "welcome_code": "WC",
        "text": {"content": "hi"},
        "attachments": [{"msgtype": "link", "link": {"title": "t", "url": "u"}}],
    }
    assert bodies["externalcontact/mark_tag"] == {
        "userid": "zhangsan",
        "external_userid": "wmEXT",
        "add_tag": ["a"],
        "remove_tag": ["b"],
    }
    assert bodies["message/send"] == {
        "touser": "zhangsan|lisi",
        "msgtype": "text",
        "agentid": int(AGENT_ID),
        "text": {"content": "churn alert"},
        "enable_duplicate_check": 1,
        "duplicate_check_interval": 14_400,
    }
    assert bodies["externalcontact/batch/get_by_user"] == {
        "userid_list": ["zhangsan"],
        "cursor": "c",
        "limit": 50,
    }
    assert bodies["externalcontact/get_corp_tag_list"] == {"group_id": ["g"]}


def test_invalid_arguments_are_refused_before_any_call(
    client: WeComClient, wecom: FakeWeCom
) -> None:
    with pytest.raises(BadRequest):
        client.batch_get_by_user([f"u{i}" for i in range(101)])
    with pytest.raises(BadRequest):
        client.send_welcome_msg("WC", "x", [{"msgtype": "image"}] * 10)
    with pytest.raises(BadRequest):
        client.send_welcome_msg("WC", "x" * 4001)
    with pytest.raises(BadRequest):
        client.mark_tag("zhangsan", "wmEXT")
    assert wecom.calls == []


# --- the process-wide client -----------------------------------------------------------------


def test_the_process_client_is_created_lazily_with_the_shared_store() -> None:
    assert client_module._client is None

    first = get_client()

    assert first is get_client()
    assert isinstance(first.session, DynamoTokenStore)
    assert first.API_BASE_URL == "https://qyapi.weixin.qq.com/cgi-bin/"


def test_a_client_can_be_injected_and_forgotten(client: WeComClient) -> None:
    use_client(client)
    assert get_client() is client
    reset_client()
    assert get_client() is not client
