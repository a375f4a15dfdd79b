"""Turning a trigger into due items: each step's due time, written per subject (a contact,
or a customer group for group SOPs) so the tick only reads what is due."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.core.observability import metrics
from chalicelib.core.settings import get_settings
from chalicelib.sop import store

if TYPE_CHECKING:
    from chalicelib.sop.models import Plan, Step

FUNNEL = "funnel#"


def funnel_pk(plan_id: str) -> str:
    return f"{FUNNEL}{plan_id}"


def enrol_pk(plan_id: str, subject: str, round_key: str) -> str:
    return f"enrol#{plan_id}#{subject}#{round_key}"


def item_pk(plan_id: str, step_id: str, subject: str, round_key: str) -> str:
    return f"{plan_id}#{step_id}#{subject}#{round_key}"


def step_due_at(step: Step, start: int, tz: ZoneInfo) -> int:
    """When ``step`` is due for a route that started at ``start``; never before ``start``."""
    if step.delay_minutes is not None:
        return start + step.delay_minutes * 60
    assert step.day is not None and step.at is not None
    hour, minute = (int(part) for part in step.at.split(":"))
    local_day = datetime.fromtimestamp(start, tz).date() + timedelta(days=step.day)
    return max(int(datetime.combine(local_day, time(hour, minute), tz).timestamp()), start)


@dataclass(frozen=True)
class Subject:
    """Who a route is for: ``id`` is an external_userid (or a chat_id), ``sender`` the staff
    member who sends to them. A mass step is one text per sender (``{staff}`` is the only
    variable it fills), so one WeCom call carries up to 10,000 of the sender's customers."""

    id: str
    sender: str


def round_key(plan: Plan, effect_id: str) -> str:
    """Once per plan and subject, or once per trigger event when re-entry is allowed."""
    if not plan.allow_reentry:
        return "1"
    return hashlib.sha256(effect_id.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Route:
    """Where due items belong: a plan or a broadcast, its target, and when it ends early."""

    plan_id: str
    target: str
    exit_on: frozenset[str] = frozenset()

    @classmethod
    def of(cls, plan: Plan) -> Route:
        exit_on = set(plan.exit_on)
        if plan.trigger.kind == "no_order_after_add":
            exit_on.add("order")
        return cls(plan.id, plan.target, frozenset(exit_on))


def _items(
    route: Route,
    steps: Sequence[Step],
    subject: Subject,
    key: str,
    start: int,
    now: int,
    spread: bool = False,
) -> Iterator[store.Due]:
    tz = ZoneInfo(get_settings().timezone)
    for step in steps:
        content = step.content.rendered({"staff": subject.sender})
        item = store.Due(
            item_pk(route.plan_id, step.id, subject.id, key),
            plan_id=route.plan_id,
            step_id=step.id,
            target=route.target,
            sender=subject.sender,
            content=content.model_dump(mode="json"),
            content_key=content.key(),
            contact_id=subject.id,
            planned_at=now,
            exit_on=set(route.exit_on) or None,
        )
        item.schedule(step_due_at(step, start, tz), now=now, spread=spread)
        yield item


def enrol(
    plan: Plan, subject: Subject, *, effect_id: str, now: int, start: int | None = None
) -> bool:
    """Enter ``subject`` into ``plan``: the enrolment, every step's due item and the
    ``targeted`` counters in one transaction. False when it had already entered."""
    key = round_key(plan, effect_id)
    begin = now if start is None else start
    if plan.trigger.kind == "no_order_after_add" and plan.trigger.days:
        begin += plan.trigger.days * 86_400
    items = list(_items(Route.of(plan), plan.steps, subject, key, begin, now))
    counters = [(funnel_pk(plan.id), f"{step.id}#targeted") for step in plan.steps]
    if not store.enrol(enrol_pk(plan.id, subject.id, key), subject.sender, now, items, counters):
        return False
    metrics.add_metric(name="SopPlanEntered", unit=MetricUnit.Count, value=1)
    return True


def plan_step_for_many(
    route: Route, step: Step, subjects: Iterable[Subject], *, start: int, now: int
) -> int:
    """Due items of one step for many subjects at once (broadcasts, date plans): batch
    writes spread over the shards of their hour, and the ``targeted`` counter set to the
    total. Deterministic keys: planning
    again rewrites the same items."""
    count = 0
    pending: list[store.Due] = []
    marked: set[str] = set()

    def save() -> None:
        hours = {str(item.hour()) for item in pending if item.due_bucket} - marked
        store.mark_sharded(hours)  # listed before written: the tick never misses a shard
        marked.update(hours)
        store.save_due(pending)

    for subject in subjects:
        pending.extend(_items(route, [step], subject, "1", start, now, spread=True))
        count += 1
        if len(pending) >= 500:
            save()
            pending = []
    if pending:
        save()
    set_targeted(route.plan_id, step.id, count)
    return count


def set_targeted(plan_id: str, step_id: str, count: int) -> None:
    """A step's ``targeted`` count written whole (a broadcast's, planned in one go)."""
    store.put(store.Row(funnel_pk(plan_id), f"{step_id}#targeted", tally=count))
