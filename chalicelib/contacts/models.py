"""Types of the contacts context: what other contexts receive and what admin routes answer.

Phone numbers appear only as their hashes (:mod:`chalicelib.contacts.phones`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

EndedBy = Literal["staff", "customer", "transfer"]
TimelineKind = str  # e.g. added, deleted, edited, tagged, welcome_sent, welcome_failed, …


class Relationship(BaseModel):
    """One staff member following one customer."""

    model_config = ConfigDict(frozen=True)

    staff_userid: str
    added_at: int | None = None
    add_way: int | None = None
    oper_userid: str = ""
    state: str = ""
    code: str = ""
    channel: str = ""
    remark: str = ""
    description: str = ""
    tag_ids: list[str] = Field(default_factory=list)
    phone_hashes: list[str] = Field(default_factory=list)
    status: Literal["active", "ended"] = "active"
    ended_at: int | None = None
    ended_by: EndedBy | None = None
    retention_days: int | None = None
    via: str = Field("", description='"transfer" when a handover brought the customer')


class Contact(BaseModel):
    """A customer, deduplicated across staff: one profile, a list of relationships."""

    model_config = ConfigDict(frozen=True)

    external_userid: str
    name: str = ""
    type: int = 0
    gender: int = 0
    avatar: str = ""
    unionid: str | None = None
    corp_name: str = ""
    first_channel: str = ""
    first_added_at: int | None = None
    tag_ids: list[str] = Field(default_factory=list)
    status: Literal["active", "lost"] = "active"
    relationships: list[Relationship] = Field(default_factory=list)

    def relationship(self, userid: str) -> Relationship | None:
        return next((r for r in self.relationships if r.staff_userid == userid), None)


class TimelineEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: TimelineKind
    at: int = Field(description="epoch milliseconds")
    detail: dict[str, Any] = Field(default_factory=dict)
    event_key: str = ""


TagId = Annotated[str, Field(min_length=1, max_length=128)]


class ContactTagsIn(BaseModel):
    """``POST /admin/contacts/{external_userid}/tags``: corporate tags to add and remove,
    on one staff member's relationship (``staff_userid``) or on every active one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    add: list[TagId] = Field(default_factory=list, max_length=100)
    remove: list[TagId] = Field(default_factory=list, max_length=100)
    staff_userid: str | None = Field(None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _something(self) -> ContactTagsIn:
        if not self.add and not self.remove:
            raise ValueError("name tags to add or to remove")
        if set(self.add) & set(self.remove):
            raise ValueError("a tag cannot be added and removed at once")
        return self


class StaffContact(BaseModel):
    """A row of a staff member's customer list."""

    external_userid: str
    added_at: int | None
    channel: str
    status: str
    remark: str
