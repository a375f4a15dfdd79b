"""Types of the audit log: one entry per admin write, refused attempt or bulk read of
personal data, and the page the admin route answers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: ``started``: written before the change ran; it stays so only when the change's outcome
#: could not be recorded (see docs/decisions.md, "Every admin write is audited").
Outcome = Literal["started", "succeeded", "refused", "failed"]


class AuditEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    at: int = Field(description="epoch milliseconds when the request arrived")
    day: str = Field(description="local day (TIMEZONE) the entry is filed under")
    principal: str = Field(description="WeCom userid, apikey:<id>, or anonymous")
    name: str = Field("", description="the person's WeCom name or the API key's name")
    role: str
    method: str
    route: str = Field(description="the route template, e.g. /admin/live-codes/{code}")
    path: str
    params: dict[str, str] = Field(default_factory=dict)
    summary: Any = Field(None, description="the body, secrets and phone numbers masked")
    status: int | None = Field(None, description="the HTTP status answered; None: unknown")
    outcome: Outcome
    request_id: str
    timeline: Literal["written", "failed"] | None = Field(
        None, description="the entry on the contact's timeline, for routes about a contact"
    )
    reason: str | None = Field(None, description="why a refused attempt was refused")


class AuditPage(BaseModel):
    items: list[AuditEntry]
    truncated: bool = Field(description="more entries match than the limit let through")
