"""SOP plans as the admin API takes them, validated before anything is stored."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.messaging.content import MessageContent

PLAN_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
MAX_STEPS = 20

TriggerKind = Literal[
    "contact_added",  # added through a channel or live code (optionally: which ones)
    "tagged",  # the customer got one of the tags
    "group_joined",  # a customer joined a customer group (group SOP: the group)
    "group_created",  # a customer group was created (group SOP)
    "tier_reached",  # membership reached the tier
    "first_order",  # the customer's first paid order
    "no_order_after_add",  # no order N days after being added
    "segment",  # screening moved the customer into the segment
    "date",  # on a local date, for the customers of a segment or of a saved audience
]
Target = Literal["private", "group", "moment"]
ExitOn = Literal["order", "deleted"]


class Trigger(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: TriggerKind
    channels: list[str] = Field(default_factory=list, max_length=100)  # empty: any
    codes: list[str] = Field(default_factory=list, max_length=100)  # live codes; empty: any
    tag_ids: list[str] = Field(default_factory=list, max_length=100)
    chat_ids: list[str] = Field(default_factory=list, max_length=2000)  # empty: any group
    tier: str | None = Field(None, min_length=1, max_length=64)
    segment: str | None = Field(None, min_length=1, max_length=64)
    days: int | None = Field(None, ge=1, le=365)
    date: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    #: A saved directory audience (``/admin/audiences``), evaluated on the date.
    audience_id: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9-]{0,47}$")

    @model_validator(mode="after")
    def _needs(self) -> Trigger:
        needed = {
            "tagged": ("tag_ids", bool(self.tag_ids)),
            "tier_reached": ("tier", self.tier is not None),
            "no_order_after_add": ("days", self.days is not None),
            "segment": ("segment", self.segment is not None),
            "date": (
                "date and a segment or an audience_id",
                self.date is not None and (self.segment is None) != (self.audience_id is None),
            ),
        }
        if self.kind in needed and not needed[self.kind][1]:
            raise ValueError(f"a {self.kind} trigger needs {needed[self.kind][0]}")
        return self


class Step(BaseModel):
    """Due ``delay_minutes`` after enrolment, or on ``day`` (0 = the enrolment's local day)
    at ``at`` (HH:MM, local time); a time already past is due at once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    name: str = Field("", max_length=64)
    delay_minutes: int | None = Field(None, ge=0, le=366 * 24 * 60)
    day: int | None = Field(None, ge=0, le=366)
    at: str | None = Field(None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    content: MessageContent

    @model_validator(mode="after")
    def _one_timing(self) -> Step:
        by_delay = self.delay_minutes is not None
        by_day = self.day is not None and self.at is not None
        if by_delay == by_day or (self.day is None) != (self.at is None):
            raise ValueError("a step needs either delay_minutes, or day and at")
        return self


class PlanIn(BaseModel):
    """``PUT /admin/sop/plans/{plan_id}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64)
    trigger: Trigger
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)
    target: Target = "private"
    exit_on: list[ExitOn] = Field(default_factory=lambda: list[ExitOn](["deleted"]))
    allow_reentry: bool = False
    active: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> PlanIn:
        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError("step ids must be unique")
        groupish = self.trigger.kind in ("group_created",)
        if groupish and self.target != "group":
            raise ValueError("a group_created trigger needs target group")
        if self.target == "group" and self.trigger.kind not in ("group_created", "group_joined"):
            raise ValueError("a group SOP is triggered by group_created or group_joined")
        return self


class Plan(PlanIn):
    id: str
    updated_at: int = 0
    updated_by: str = ""


class StepFunnel(BaseModel):
    step_id: str
    targeted: int = 0
    sent: int = 0
    delivered: int = 0
    failed_not_friend: int = 0
    failed_capped: int = 0  # WeCom refused: the customer already received a mass message
    deferred: int = 0  # our caps or quiet hours moved the step later
    exited: int = 0
    awaiting_confirmation: int = 0
    senders: int = 0
    senders_confirmed: int = 0
    confirmation_rate: float = 0.0
    orders: int = 0
    gmv_cents: int = 0
    conversion_rate: float = 0.0


class Funnel(BaseModel):
    plan_id: str
    conversion_window_days: int
    steps: list[StepFunnel]
