"""What a mass message says: text with variables, and up to 9 attachments (image, link,
mini-program), validated to WeCom's limits.

A mass message is one text per sender: WeCom takes up to 10,000 of the sender's customers
(2,000 groups) in one ``add_msg_template`` call only when they all get the same text. So
``{staff}`` (the sender) is its only variable, and a variable filled per customer
(``{name}``, ``{channel}``) is refused when the plan or broadcast is saved, with a reason
naming it; other unknown variables stay as written."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)

from chalicelib.welcome.models import Attachment

MAX_TEXT_BYTES = 4000
MAX_MOMENT_TEXT_CHARS = 2000
MAX_ATTACHMENTS = 9
VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: Validation context of content read back from storage (checked when it was saved).
STORED = {"stored": True}
#: Variables that differ from one customer to the next: a mass message cannot hold them.
PER_CUSTOMER = ("name", "channel")


def _max_bytes(value: str) -> str:
    if len(value.encode("utf-8")) > MAX_TEXT_BYTES:
        raise ValueError(f"must be at most {MAX_TEXT_BYTES} bytes in UTF-8")
    return value


def _one_text_per_sender(value: str, info: ValidationInfo) -> str:
    if isinstance(info.context, dict) and info.context.get("stored"):
        return value  # saved before the rule: read as it is
    for match in VARIABLE.finditer(value):
        if match.group(1) in PER_CUSTOMER:
            raise ValueError(
                f"{match.group(0)} differs for every customer, and a mass message is one text "
                "per sender (up to 10,000 customers in one WeCom call): remove "
                f"{match.group(0)} (the sender's name is {{staff}})"
            )
    return value


class MessageContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: Annotated[str, AfterValidator(_max_bytes), AfterValidator(_one_text_per_sender)] = ""
    attachments: list[Attachment] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)

    @model_validator(mode="after")
    def _not_empty(self) -> MessageContent:
        if not self.text.strip() and not self.attachments:
            raise ValueError("a message needs text or at least one attachment")
        return self

    def rendered(self, values: Mapping[str, str]) -> MessageContent:
        """The text with ``values`` filled in (unknown variables stay as written)."""
        text = VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), self.text)
        return self.model_copy(update={"text": text})

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
