"""The console's dashboard from the daily counters alone (pure): the period's figures, the
day-by-day trend, the top channels and live codes, SOP deliveries per step.

Figures are defined as in :mod:`chalicelib.reports.figures` (the reports' own definitions).
"""

from __future__ import annotations

from datetime import date

from chalicelib.reports.figures import DELETIONS, Rows, ratio
from chalicelib.reports.models import (
    Dashboard,
    DashboardDay,
    DashboardFigures,
    DashboardSource,
    DashboardStep,
    Period,
)

TOP = 5


def _deletions(counters: dict[str, int]) -> int:
    return sum(counters.get(name, 0) for name in DELETIONS)


def _add(into: dict[str, int], counters: dict[str, int]) -> None:
    for name, value in counters.items():
        into[name] = into.get(name, 0) + value


def _source(name: str, c: dict[str, int]) -> DashboardSource:
    adds = c.get("adds", 0)
    return DashboardSource(
        name=name,
        new_contacts=adds,
        net_adds=adds - _deletions(c),
        conversions=c.get("first_orders", 0),
        gmv_cents=c.get("gmv_cents", 0) - c.get("refunded_cents", 0),
    )


def _top(sources: dict[str, dict[str, int]]) -> list[DashboardSource]:
    ranked = sorted(
        (_source(name, c) for name, c in sources.items()),
        key=lambda s: (-s.new_contacts, -s.gmv_cents, s.name),
    )
    return [s for s in ranked if s.new_contacts or s.gmv_cents or s.conversions][:TOP]


def build(days: int, period: Period, rows: Rows, timezone: str, at: int) -> Dashboard:
    channels: dict[str, dict[str, int]] = {}
    codes: dict[str, dict[str, int]] = {}
    steps: dict[str, dict[str, int]] = {}
    total: dict[str, int] = {}
    trend = []
    for day in period.days:
        dims = rows.get(day, {})
        adds = dels = 0
        for dim, counters in dims.items():
            kind, _, rest = dim.partition("#")
            c = dict(counters)
            if kind == "channel":
                _add(channels.setdefault(rest, {}), c)
                adds += c.get("adds", 0)
                dels += _deletions(c)
            elif kind == "code":
                _add(codes.setdefault(rest.partition("#")[0], {}), c)
            elif kind == "sop":
                _add(steps.setdefault(rest, {}), c)
            elif dim == "total":
                _add(total, c)
        day_total = dims.get("total", {})
        trend.append(
            DashboardDay(
                day=date.fromisoformat(day),
                new_contacts=adds,
                deletions=dels,
                net_adds=adds - dels,
                orders=day_total.get("orders", 0),
                gmv_cents=day_total.get("gmv_cents", 0),
            )
        )
    adds = sum(c.get("adds", 0) for c in channels.values())
    deletions = sum(_deletions(c) for c in channels.values())
    lost = sum(c.get("cohort_lost", 0) for c in channels.values())
    orders, first = total.get("orders", 0), total.get("first_orders", 0)
    repeat, gmv = total.get("repeat_orders", 0), total.get("gmv_cents", 0)
    figures = DashboardFigures(
        new_contacts=adds,
        deletions=deletions,
        net_adds=adds - deletions,
        churn_rate=ratio(lost, adds),
        retention_rate=ratio(adds - lost, adds),
        conversions=first,
        conversion_rate=ratio(first, adds),
        orders=orders,
        repeat_orders=repeat,
        repurchase_rate=ratio(repeat, orders),
        gmv_cents=gmv,
        net_gmv_cents=gmv - total.get("refunded_cents", 0),
        deliveries=total.get("deliveries", 0),
    )
    sop_steps = [
        DashboardStep(
            plan_id=key.partition("#")[0],
            step_id=key.partition("#")[2],
            deliveries=c.get("deliveries", 0),
        )
        for key, c in sorted(steps.items())
    ]
    return Dashboard(
        days=days,
        start=period.start,
        end=period.end,
        timezone=timezone,
        as_of=at,
        figures=figures,
        trend=trend,
        top_channels=_top(channels),
        top_live_codes=_top(codes),
        sop_steps=sop_steps,
    )
