"""What other contexts may read of the SOPs (plain functions returning domain objects)."""

from __future__ import annotations

from chalicelib.sop.models import Funnel, Plan


def list_plans() -> list[Plan]:
    """Every SOP plan."""
    from chalicelib.sop.service import list_plans as plans

    return plans()


def plan_funnel(plan_id: str) -> Funnel:
    """A plan's per-step funnel: targeted, sent, delivered, the orders and GMV after."""
    from chalicelib.sop.service import plan_funnel as funnel

    return funnel(plan_id)
