"""Managing SOP plans and reading their funnel."""

from __future__ import annotations

import time

from chalicelib.core.settings import get_settings
from chalicelib.messaging.content import STORED
from chalicelib.sop import store
from chalicelib.sop.errors import InvalidPlanId, PlanNotFound
from chalicelib.sop.models import PLAN_ID, Funnel, Plan, PlanIn, StepFunnel
from chalicelib.sop.planner import funnel_pk
from chalicelib.sop.store import PLANS, plan_pk
from chalicelib.storage.kept import Kept


def checked_id(plan_id: str) -> str:
    if not PLAN_ID.match(plan_id):
        raise InvalidPlanId("a plan id is 1-48 lowercase letters, digits or dashes")
    return plan_id


def put_plan(plan_id: str, body: PlanIn, by: str, now: int | None = None) -> Plan:
    plan = Plan(
        **body.model_dump(),
        id=checked_id(plan_id),
        updated_at=now or int(time.time()),
        updated_by=by,
    )
    store.put(store.Row(plan_pk(plan.id), store.META, body=plan.model_dump(mode="json")))
    store.put(store.Row(PLANS, plan.id, value=plan.trigger.kind, at=plan.updated_at))
    _active.forget()
    return plan


def get_plan(plan_id: str) -> Plan:
    item = store.get_item(plan_pk(checked_id(plan_id)))
    if item is None or item.body is None:
        raise PlanNotFound(f"no SOP plan {plan_id!r}")
    return Plan.model_validate(item.body, context=STORED)


def list_plans() -> list[Plan]:
    ids = [item.sk for item in store.query(PLANS)]
    found = [
        Plan.model_validate(i.body, context=STORED)
        for i in store.get_many([(plan_pk(p), store.META) for p in ids])
        if i.body
    ]
    return sorted(found, key=lambda plan: plan.id)


def _read_plans() -> tuple[bool, list[Plan]]:
    """Whether any plan is listed (active or not), and every active plan, by id: a query
    of the listing, then the plans (one batch read)."""
    ids = [item.sk for item in store.query(PLANS)]
    plans = [
        Plan.model_validate(i.body, context=STORED)
        for i in (store.get_many([(plan_pk(p), store.META) for p in ids]) if ids else [])
        if i.body
    ]
    return bool(ids), [p for p in sorted(plans, key=lambda plan: plan.id) if p.active]


#: Every trigger of every event reads the active plans: kept ``CONFIG_KEPT_S`` seconds
#: (30 s) per container, forgotten at once by the container that saves or deletes one.
_active: Kept[tuple[bool, list[Plan]]] = Kept(_read_plans)


def active_plans(kinds: tuple[str, ...]) -> list[Plan]:
    """Active plans whose trigger is one of ``kinds``, as read at most ``CONFIG_KEPT_S``
    seconds ago (a plan saved elsewhere enrols within that time)."""
    return [plan for plan in _active.get()[1] if plan.trigger.kind in kinds]


def any_plan() -> bool:
    """Whether any plan is listed, active or paused (as :func:`active_plans` reads it):
    without one no contact has a step to exit or a delivery to credit (a deleted plan's
    pending steps are cancelled by the tick, its funnel is gone)."""
    return _active.get()[0]


def delete_plan(plan_id: str) -> None:
    """Deactivate and remove a plan: its pending items are cancelled by the tick."""
    get_plan(plan_id)
    store.delete(plan_pk(plan_id))
    store.delete(PLANS, plan_id)
    _active.forget()


def funnel(plan_id: str, step_ids: list[str]) -> Funnel:
    """Per step: targeted → sent → delivered, failures, confirmation, orders and GMV."""
    steps = {step_id: StepFunnel(step_id=step_id) for step_id in step_ids}
    rows = (item for pk in store.counter_pks(funnel_pk(plan_id)) for item in store.query(pk))
    for item in rows:
        step_id, _, what = item.sk.partition("#")
        row = steps.setdefault(step_id, StepFunnel(step_id=step_id))
        count = int(item.tally or 0)
        if what == "targeted":
            row.targeted += count
        elif what == "deferred":
            row.deferred += count
        elif what == "exited":
            row.exited += count
        elif what == "expired":
            row.expired += count
        elif what == "orders":
            row.orders += count
            row.gmv_cents += int(item.amount or 0)
        elif what.startswith("batch#") and item.body:
            body = item.body
            row.sent += int(body.get("sent", 0))
            row.delivered += int(body.get("delivered", 0))
            row.failed_not_friend += int(body.get("not_friend", 0))
            row.failed_capped += int(body.get("capped", 0))
            row.awaiting_confirmation += int(body.get("waiting", 0))
            row.senders += int(body.get("senders", 0))
            row.senders_confirmed += int(body.get("confirmed", 0))
    for row in steps.values():
        row.confirmation_rate = (
            round(row.senders_confirmed / row.senders, 4) if row.senders else 0.0
        )
        row.conversion_rate = round(row.orders / row.delivered, 4) if row.delivered else 0.0
    return Funnel(
        plan_id=plan_id,
        conversion_window_days=get_settings().sop_conversion_window_days,
        steps=list(steps.values()),
    )


def plan_funnel(plan_id: str) -> Funnel:
    plan = get_plan(plan_id)
    return funnel(plan.id, [s.id for s in plan.steps])
