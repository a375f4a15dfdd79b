"""Typed WeCom callback events (docs 92130 / 92277), built from a parsed :class:`InboundEvent`.

Every event the product acts on has a model; anything else (plain messages, events WeCom
adds later, change types we do not know) becomes :class:`Ignored`: stored, never an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chalicelib.wecom.errors import MalformedEvent

if TYPE_CHECKING:
    from chalicelib.wecom.inbound import FieldValue, InboundEvent

ContactChangeType = Literal[
    "add_external_contact",
    "add_half_external_contact",
    "edit_external_contact",
    "del_external_contact",
    "del_follow_user",
    "transfer_fail",
]
ChatChangeType = Literal["create", "update", "dismiss"]
TagChangeType = Literal["create", "update", "delete", "shuffle"]
MemberChangeType = Literal["create_user", "update_user", "delete_user"]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    key: str
    create_time: int = Field(0, alias="CreateTime")


class ContactChange(_Event):
    """``change_external_contact``: a member and a customer became, changed or stopped being
    contacts. ``del_follow_user`` is the customer deleting the member (churn)."""

    change_type: ContactChangeType = Field(alias="ChangeType")
    user_id: str = Field(alias="UserID", min_length=1)
    external_user_id: str = Field(alias="ExternalUserID", min_length=1)
    state: str = Field("", alias="State")
    welcome_code: str = Field("", alias="WelcomeCode")
    source: str = Field("", alias="Source")
    fail_reason: str = Field("", alias="FailReason")


class ChatChange(_Event):
    """``change_external_chat``: a customer group was created, changed or dismissed."""

    change_type: ChatChangeType = Field(alias="ChangeType")
    chat_id: str = Field(alias="ChatId", min_length=1)
    update_detail: str = Field("", alias="UpdateDetail")
    join_scene: int | None = Field(None, alias="JoinScene")
    quit_scene: int | None = Field(None, alias="QuitScene")
    mem_change_cnt: int | None = Field(None, alias="MemChangeCnt")
    mem_change_list: list[str] = Field(default_factory=list, alias="MemChangeList")
    last_mem_ver: str = Field("", alias="LastMemVer")
    cur_mem_ver: str = Field("", alias="CurMemVer")

    @field_validator("mem_change_list", mode="before")
    @classmethod
    def _members(cls, value: FieldValue | None) -> list[str]:
        # Current format: <Item> elements (a list even with one); older: one comma-separated text.
        if value is None:
            return []
        items = value.split(",") if isinstance(value, str) else value
        return [item.strip() for item in items if item.strip()]

    @field_validator("join_scene", "quit_scene", "mem_change_cnt", mode="before")
    @classmethod
    def _blank_is_none(cls, value: FieldValue | None) -> FieldValue | None:
        return None if value == "" else value


class TagChange(_Event):
    """``change_external_tag``: a corporate tag or tag group changed. Shuffle has no TagType;
    an empty Id means every group was reordered."""

    change_type: TagChangeType = Field(alias="ChangeType")
    id: str = Field("", alias="Id")
    tag_type: Literal["tag", "tag_group", ""] = Field("", alias="TagType")
    strategy_id: str = Field("", alias="StrategyId")


class MemberChange(_Event):
    """``change_contact`` about a member (doc 90970): created, changed or deleted. An
    ``update_user`` carries ``Status`` only when it changed (1 active, 2 disabled, 5 left)."""

    change_type: MemberChangeType = Field(alias="ChangeType")
    user_id: str = Field(alias="UserID", min_length=1)
    status: int | None = Field(None, alias="Status")

    @field_validator("status", mode="before")
    @classmethod
    def _blank_is_none(cls, value: FieldValue | None) -> FieldValue | None:
        return None if value == "" else value


class Ignored(_Event):
    """Recorded, not acted on: plain messages and events the product does not handle."""

    kind: str


TypedEvent = ContactChange | ChatChange | TagChange | MemberChange | Ignored

_MODELS: dict[str, tuple[type[_Event], tuple[str, ...]]] = {
    "change_external_contact": (ContactChange, get_args(ContactChangeType)),
    "change_external_chat": (ChatChange, get_args(ChatChangeType)),
    "change_external_tag": (TagChange, get_args(TagChangeType)),
    "change_contact": (MemberChange, get_args(MemberChangeType)),
}


def typed(event: InboundEvent) -> TypedEvent:
    """The typed model of ``event``; :class:`Ignored` for anything not acted on."""
    data = {**event.fields, "key": event.key}
    known = _MODELS.get(event.event) if event.msg_type == "event" else None
    model: type[_Event] = Ignored
    if known is not None and event.change_type in known[1]:
        model = known[0]
    else:
        data["kind"] = event.kind
    try:
        return model.model_validate(data)  # type: ignore[return-value]
    except ValidationError as error:
        fields = ", ".join(str(e["loc"][0]) for e in error.errors())
        raise MalformedEvent(f"{event.kind} is missing or has invalid fields: {fields}") from error
