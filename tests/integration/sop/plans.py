"""Plans used by the SOP tests."""

from __future__ import annotations

from typing import Any

from chalicelib.sop.models import Plan, PlanIn
from chalicelib.sop.service import put_plan


def step(step_id: str, text: str, **timing: Any) -> dict[str, Any]:
    return {"id": step_id, "name": step_id, "content": {"text": text}, **timing}


def save(plan_id: str, steps: list[dict[str, Any]], **fields: Any) -> Plan:
    body: dict[str, Any] = {
        "name": plan_id,
        "trigger": {"kind": "contact_added"},
        "steps": steps,
        **fields,
    }
    return put_plan(plan_id, PlanIn.model_validate(body), "tester", now=1)
