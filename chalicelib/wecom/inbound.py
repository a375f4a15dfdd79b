"""A decrypted callback, its fields and its dedupe key.

WeCom retries a slow answer, and events carry no MsgId (external-contact events all come
from ``sys``), so ``FromUserName + CreateTime`` would drop real events that share a second.
The key is ``msg:<MsgId>`` for messages and otherwise a SHA-256 over every field of the
decrypted body in a canonical order: two deliveries of one event share it, two events
differing in any field (ExternalUserID, State, ChatId, …) do not.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from xml.etree.ElementTree import Element
from xml.parsers.expat import ExpatError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from chalicelib.wecom.errors import MalformedEvent

FieldValue = str | list[str]


@dataclass(frozen=True)
class InboundEvent:
    key: str
    fields: dict[str, FieldValue]
    raw: str

    @property
    def msg_type(self) -> str:
        return _text(self.fields.get("MsgType"))

    @property
    def event(self) -> str:
        return _text(self.fields.get("Event"))

    @property
    def change_type(self) -> str:
        return _text(self.fields.get("ChangeType"))

    @property
    def create_time(self) -> int:
        value = _text(self.fields.get("CreateTime"))
        return int(value) if value.isdigit() else 0

    @property
    def kind(self) -> str:
        """``event/change_type`` (e.g. ``change_external_contact/add_external_contact``)."""
        if self.msg_type != "event":
            return f"message/{self.msg_type or 'unknown'}"
        return "/".join(part for part in (self.event, self.change_type) if part) or "event"


def parse_event(xml: str) -> InboundEvent:
    try:
        root = fromstring(xml, forbid_dtd=True)
    except (ParseError, ExpatError, DefusedXmlException, ValueError) as error:
        raise MalformedEvent("decrypted payload is not well-formed XML") from error
    fields = {child.tag: _value(child) for child in root}
    if "MsgType" not in fields:
        raise MalformedEvent("decrypted payload has no MsgType")
    return InboundEvent(key=dedupe_key(fields), fields=fields, raw=xml)


def dedupe_key(fields: dict[str, FieldValue]) -> str:
    msg_id = _text(fields.get("MsgId"))
    if msg_id:
        return f"msg:{msg_id}"
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "evt:" + hashlib.sha256(canonical.encode()).hexdigest()


def _value(element: Element) -> FieldValue:
    children = list(element)
    if not children:
        return (element.text or "").strip()
    # <MemChangeList><Item>a</Item><Item>b</Item></MemChangeList>: one <Item> is still a list.
    return [(child.text or "").strip() for child in children]


def _text(value: FieldValue | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else ",".join(value)
