"""What other contexts may use of SOPs.

Reports read plans and their funnels. Broadcasts are one-step routes sent through the SOP
send path (the same due items, batches, caps, quiet hours, results and funnel as a plan's
step): they keep their record next to the plans' (``plan#<route>``, so the tick finds
their label and whether they are active) and plan their step for many subjects here.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from chalicelib.sop import store
from chalicelib.sop.planner import Route, Subject

if TYPE_CHECKING:
    from chalicelib.sop.models import Funnel, Plan, Step

#: The plans' models, loaded on first use: the tick reads listings and records through
#: this module without them (a tick with nothing to do loads no pydantic).
_MODELS = ("Funnel", "Plan", "Step")

__all__ = [
    "Funnel",
    "Plan",
    "Step",
    "Subject",
    "create_route",
    "funnel",
    "list_plans",
    "listed",
    "plan_funnel",
    "plan_step",
    "remove_route",
    "route_record",
    "save_route",
    "segment_members",
    "segment_page",
    "set_listed",
    "set_targeted",
    "unlist",
]


def list_plans() -> list[Plan]:
    from chalicelib.sop.service import list_plans as plans

    return plans()


def plan_funnel(plan_id: str) -> Funnel:
    from chalicelib.sop.service import plan_funnel as found

    return found(plan_id)


def funnel(route_id: str, step_ids: list[str]) -> Funnel:
    """The funnel of any route (a plan or a broadcast) by its steps."""
    from chalicelib.sop.service import funnel as found

    return found(route_id, step_ids)


def segment_members(segment: str) -> list[str]:
    """Who is in a screening segment now (as the SOP context mirrors it)."""
    from chalicelib.sop.triggers import segment_members as members

    return members(segment)


def segment_page(segment: str, after: str | None, limit: int) -> tuple[list[str], str | None]:
    """Up to ``limit`` members of a segment after contact ``after``, and where the next
    page starts (``None``: the last page)."""
    items, following = store.query_page(f"segment#{segment}", after, limit)
    return [item.sk for item in items], following


# --- one-step routes (broadcasts) ---------------------------------------------------------


def route_record(route_id: str) -> dict[str, Any] | None:
    """The stored record of a route, or ``None`` (never created, or removed)."""
    item = store.get_item(store.plan_pk(route_id))
    return None if item is None or not item.body else dict(item.body)


def create_route(route_id: str, record: dict[str, Any]) -> bool:
    """Store a new route's record; False when one exists."""
    return store.put_new(store.Row(store.plan_pk(route_id), store.META, body=record))


def save_route(route_id: str, record: dict[str, Any]) -> None:
    store.put(store.Row(store.plan_pk(route_id), store.META, body=record))


def remove_route(route_id: str) -> None:
    """Remove the record: the tick cancels whatever of the route has not gone out."""
    store.delete(store.plan_pk(route_id))


def listed(listing: str) -> list[tuple[str, int]]:
    """The keys of a listing (``broadcasts``, ``broadcast-planning``) with their time."""
    return [(item.sk, int(item.at or 0)) for item in store.query(listing)]


def set_listed(listing: str, key: str, at: int) -> None:
    store.put(store.Row(listing, key, at=at))


def unlist(listing: str, key: str) -> None:
    store.delete(listing, key)


def plan_step(
    route_id: str, target: str, step: Step, subjects: Iterable[Subject], *, start: int, now: int
) -> int:
    """Due items of the route's ``step`` for ``subjects`` (deterministic keys: planning a
    page again rewrites the same items); how many subjects."""
    from chalicelib.sop.planner import plan_step_for_many

    return plan_step_for_many(Route(route_id, target), step, subjects, start=start, now=now)


def set_targeted(route_id: str, step_id: str, count: int) -> None:
    """The route step's ``targeted`` count, written whole."""
    from chalicelib.sop.planner import set_targeted as write

    write(route_id, step_id, count)


def __getattr__(name: str) -> Any:
    if name in _MODELS:
        return getattr(importlib.import_module("chalicelib.sop.models"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
