"""Welcome message bodies, validated to WeCom's limits (``send_welcome_msg``, path 92137).

The admin API takes a flat shape (``{"type": "link", "title": …}``); :meth:`to_wecom`
gives the one WeCom expects (``{"msgtype": "link", "link": {…}}``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

MAX_TEXT_BYTES = 4000
MAX_ATTACHMENTS = 9
MAX_LINK_TITLE_BYTES = 128
MAX_LINK_DESC_BYTES = 512
MAX_MINIPROGRAM_TITLE_BYTES = 64


def _max_bytes(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        if len(value.encode("utf-8")) > limit:
            raise ValueError(f"must be at most {limit} bytes in UTF-8")
        return value

    return AfterValidator(check)


def _url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http(s) URL")
    return value


Url = Annotated[str, Field(max_length=2048), AfterValidator(_url)]


class _Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ImageAttachment(_Attachment):
    """An image by ``media_id`` (uploaded to WeCom, valid 3 days) or by ``pic_url``."""

    type: Literal["image"]
    media_id: str | None = Field(None, min_length=1, max_length=256)
    pic_url: Url | None = None

    @model_validator(mode="after")
    def _one_source(self) -> ImageAttachment:
        if (self.media_id is None) == (self.pic_url is None):
            raise ValueError("an image needs exactly one of media_id and pic_url")
        return self

    def to_wecom(self) -> dict[str, Any]:
        image = {"media_id": self.media_id} if self.media_id else {"pic_url": self.pic_url}
        return {"msgtype": "image", "image": image}


class LinkAttachment(_Attachment):
    type: Literal["link"]
    title: Annotated[str, Field(min_length=1), _max_bytes(MAX_LINK_TITLE_BYTES)]
    url: Url
    picurl: Url | None = None
    desc: Annotated[str, _max_bytes(MAX_LINK_DESC_BYTES)] = ""

    def to_wecom(self) -> dict[str, Any]:
        link: dict[str, Any] = {"title": self.title, "url": self.url}
        if self.picurl:
            link["picurl"] = self.picurl
        if self.desc:
            link["desc"] = self.desc
        return {"msgtype": "link", "link": link}


class MiniprogramAttachment(_Attachment):
    type: Literal["miniprogram"]
    title: Annotated[str, Field(min_length=1), _max_bytes(MAX_MINIPROGRAM_TITLE_BYTES)]
    pic_media_id: str = Field(min_length=1, max_length=256)
    appid: str = Field(min_length=1, max_length=64)
    page: str = Field(min_length=1, max_length=1024)

    def to_wecom(self) -> dict[str, Any]:
        return {
            "msgtype": "miniprogram",
            "miniprogram": {
                "title": self.title,
                "pic_media_id": self.pic_media_id,
                "appid": self.appid,
                "page": self.page,
            },
        }


Attachment = Annotated[
    ImageAttachment | LinkAttachment | MiniprogramAttachment, Field(discriminator="type")
]


class WelcomeMessageIn(BaseModel):
    """``PUT /admin/welcome-messages/{channel}``: text and/or up to 9 attachments."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: Annotated[str, _max_bytes(MAX_TEXT_BYTES)] = ""
    attachments: list[Attachment] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)

    @model_validator(mode="after")
    def _not_empty(self) -> WelcomeMessageIn:
        if not self.text.strip() and not self.attachments:
            raise ValueError("a welcome message needs text or at least one attachment")
        return self


class WelcomeMessage(WelcomeMessageIn):
    channel: str
    updated_at: int = 0
    updated_by: str = ""


SendOutcome = Literal["sent", "already_sent", "expired", "busy", "skipped"]
