"""App messages once per effect: a send that may have reached WeCom is repeated only as
the very same request, within WeCom's duplicate check, and never after it."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.messaging import app
from chalicelib.wecom.errors import WeComError, WeComUnavailable
from tests.support.fake_wecom_api import FakeWeComApi


class SlowThenFine(FakeWeComApi):
    """WeCom delivers the first message but its answer never arrives (a read timeout)."""

    def __init__(self, timeouts: int = 1, refusals: int = 0) -> None:
        super().__init__()
        self.timeouts, self.refusals = timeouts, refusals

    def send_app_message(self, touser: Any, content: str) -> dict[str, Any]:
        if self.refusals:
            self.refusals -= 1
            raise WeComError(81013, "all recipients invalid", "message/send")
        super().send_app_message(touser, content)
        if self.timeouts:
            self.timeouts -= 1
            raise WeComUnavailable(None, "read timeout", "message/send")
        return {"errcode": 0}


@pytest.fixture
def slow(aws: None) -> SlowThenFine:
    from chalicelib.wecom.client import use_client

    fake = SlowThenFine()
    use_client(fake)  # type: ignore[arg-type]
    return fake


def test_a_possibly_delivered_send_is_repeated_as_the_same_request_then_never(
    slow: SlowThenFine,
) -> None:
    with pytest.raises(WeComUnavailable):
        app.send_once("alert#1", "zhangsan", "first words", now=1_000)
    # the retry asks for different words (the contact changed meanwhile): the stored
    # request goes again, so WeCom's duplicate check drops it if the first one arrived
    assert app.send_once("alert#1", "zhangsan", "other words", now=1_030)
    assert [m["content"] for m in slow.app_messages] == ["first words", "first words"]
    assert not app.send_once("alert#1", "zhangsan", "first words", now=1_060)
    assert len(slow.app_messages) == 2


def test_past_the_duplicate_check_a_possibly_delivered_send_is_not_repeated(
    slow: SlowThenFine,
) -> None:
    with pytest.raises(WeComUnavailable):
        app.send_once("alert#2", "zhangsan", "words", now=1_000)
    assert not app.send_once("alert#2", "zhangsan", "words", now=1_000 + 14_400)
    assert len(slow.app_messages) == 1


def test_a_refused_send_is_sent_afresh_on_retry(slow: SlowThenFine) -> None:
    slow.timeouts, slow.refusals = 0, 1
    with pytest.raises(WeComError):
        app.send_once("alert#3", "zhangsan", "words", now=1_000)
    assert app.send_once("alert#3", "zhangsan", "new words", now=1_000 + 20_000)
    assert [m["content"] for m in slow.app_messages] == ["new words"]
