"""Welcome message bodies within WeCom's limits, and variables filled in."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.welcome.models import WelcomeMessageIn
from chalicelib.welcome.variables import fill, truncate_bytes

LINK: dict[str, Any] = {"type": "link", "title": "t", "url": "https://x.test/"}
MINI: dict[str, Any] = {
    "type": "miniprogram",
    "title": "t",
    "pic_media_id": "m",
    "appid": "wx1",
    "page": "/index",
}


def test_fill_known_variables_and_leave_unknown_ones() -> None:
    values = {"name": "小明", "staff": "zhangsan"}
    assert (
        fill("您好 {name}，我是{staff}。{coupon} {name}", values)
        == "您好 小明，我是zhangsan。{coupon} 小明"
    )
    assert fill("{ name } {} {{name}}", values) == "{ name } {} {小明}"


def test_truncate_keeps_whole_characters() -> None:
    assert truncate_bytes("好好", 5) == "好"
    assert truncate_bytes("abc", 5) == "abc"


def test_text_limit_is_4000_bytes_not_characters() -> None:
    WelcomeMessageIn(text="好" * 1333)  # 3999 bytes
    with pytest.raises(ValidationError, match="4000 bytes"):
        WelcomeMessageIn(text="好" * 1334)


def test_at_most_nine_attachments() -> None:
    assert len(WelcomeMessageIn.model_validate({"attachments": [LINK] * 9}).attachments) == 9
    with pytest.raises(ValidationError):
        WelcomeMessageIn.model_validate({"attachments": [LINK] * 10})


@pytest.mark.parametrize(
    ("attachment", "ok"),
    [
        ({**LINK, "title": "a" * 128}, True),
        ({**LINK, "title": "a" * 129}, False),
        ({**LINK, "title": "标" * 43}, False),  # 129 bytes
        ({**LINK, "desc": "a" * 512}, True),
        ({**LINK, "desc": "a" * 513}, False),
        ({**LINK, "url": "javascript:alert(1)"}, False),
        ({**MINI, "title": "a" * 64}, True),
        ({**MINI, "title": "标" * 22}, False),  # 66 bytes
        ({**MINI, "appid": ""}, False),
        ({"type": "image", "media_id": "m1"}, True),
        ({"type": "image", "pic_url": "https://x.test/a.png"}, True),
        ({"type": "image"}, False),
        ({"type": "image", "media_id": "m1", "pic_url": "https://x.test/a.png"}, False),
        ({"type": "video", "media_id": "m1"}, False),
        ({**LINK, "unknown": 1}, False),
    ],
)
def test_attachment_limits(attachment: dict[str, Any], ok: bool) -> None:
    if ok:
        WelcomeMessageIn.model_validate({"attachments": [attachment]})
    else:
        with pytest.raises(ValidationError):
            WelcomeMessageIn.model_validate({"attachments": [attachment]})


def test_an_empty_message_is_refused() -> None:
    with pytest.raises(ValidationError, match="text or at least one attachment"):
        WelcomeMessageIn(text="   ")


def test_attachments_take_wecoms_shape() -> None:
    message = WelcomeMessageIn.model_validate(
        {"attachments": [{"type": "image", "media_id": "m1"}, MINI, {**LINK, "desc": "d"}]}
    )
    assert [a.to_wecom() for a in message.attachments] == [
        {"msgtype": "image", "image": {"media_id": "m1"}},
        {
            "msgtype": "miniprogram",
            "miniprogram": {"title": "t", "pic_media_id": "m", "appid": "wx1", "page": "/index"},
        },
        {"msgtype": "link", "link": {"title": "t", "url": "https://x.test/", "desc": "d"}},
    ]
