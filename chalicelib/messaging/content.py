"""What a mass message says: text with variables, and up to 9 attachments (image, link,
mini-program), validated to WeCom's limits. ``{name}`` is the customer's name, ``{staff}``
the sender; unknown variables stay as written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from chalicelib.welcome.models import Attachment
from chalicelib.welcome.variables import fill

MAX_TEXT_BYTES = 4000
MAX_MOMENT_TEXT_CHARS = 2000
MAX_ATTACHMENTS = 9


def _max_bytes(value: str) -> str:
    if len(value.encode("utf-8")) > MAX_TEXT_BYTES:
        raise ValueError(f"must be at most {MAX_TEXT_BYTES} bytes in UTF-8")
    return value


class MessageContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: Annotated[str, AfterValidator(_max_bytes)] = ""
    attachments: list[Attachment] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)

    @model_validator(mode="after")
    def _not_empty(self) -> MessageContent:
        if not self.text.strip() and not self.attachments:
            raise ValueError("a message needs text or at least one attachment")
        return self

    def rendered(self, values: Mapping[str, str]) -> MessageContent:
        return self.model_copy(update={"text": fill(self.text, values)})

    def to_wecom(self) -> dict[str, Any]:
        """The ``text`` and ``attachments`` fields of add_msg_template / add_moment_task."""
        body: dict[str, Any] = {"attachments": [a.to_wecom() for a in self.attachments]}
        if self.text:
            body["text"] = {"content": self.text}
        return body

    def key(self) -> str:
        """Equal for equal content: due items with the same key go out in one call."""
        raw = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]
