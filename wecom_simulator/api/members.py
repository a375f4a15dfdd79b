"""The corp's members as an app sees them: department/simplelist and user/simplelist.

Departments exist wherever a member belongs; 1 is the root and every other department
sits directly under it (the simulator keeps no department tree of its own).
"""

from __future__ import annotations

from typing import Any

from wecom_simulator.api.common import Ctx, route
from wecom_simulator.errors import ApiError, invalid

ROOT_DEPARTMENT = 1
#: WeCom's "department not found".
DEPARTMENT_NOT_FOUND = 60123


def _departments(ctx: Ctx) -> list[int]:
    found = {ROOT_DEPARTMENT}
    for member in ctx.world.staff.values():
        found.update(member.department)
    return sorted(found)


@route("department/simplelist")
def department_simplelist(ctx: Ctx) -> dict[str, Any]:
    """The department (``id``, default the root) and every department below it."""
    top = ctx.integer("id", default=ROOT_DEPARTMENT)
    known = _departments(ctx)
    if top not in known:
        raise ApiError(DEPARTMENT_NOT_FOUND, f"department not found: {top}")
    chosen = known if top == ROOT_DEPARTMENT else [top]
    return {
        "department_id": [
            {"id": d, "parentid": 0 if d == ROOT_DEPARTMENT else ROOT_DEPARTMENT, "order": d}
            for d in chosen
        ]
    }


@route("user/simplelist")
def user_simplelist(ctx: Ctx) -> dict[str, Any]:
    """The members of one department (not of the departments below it): userid, name,
    departments. Resigned members are not listed."""
    department = ctx.integer("department_id")
    if department < 1:
        raise invalid("department_id must be a positive integer")
    if department not in _departments(ctx):
        raise ApiError(DEPARTMENT_NOT_FOUND, f"department not found: {department}")
    members = [
        m
        for m in ctx.world.staff.values()
        if department in m.department and ctx.world.active_staff(m.userid)
    ]
    return {
        "userlist": [
            {"userid": m.userid, "name": m.name, "department": list(m.department)}
            for m in sorted(members, key=lambda m: m.userid)
        ]
    }
