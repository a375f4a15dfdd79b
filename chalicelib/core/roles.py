"""Roles, weakest first: each one may do everything the ones before it may.

A route names the role it needs (:class:`chalicelib.core.http.ApiBlueprint`), so roles live
with the HTTP edge; :mod:`chalicelib.auth.roles` is the same module under its old name."""

from __future__ import annotations

from typing import Literal, get_args

#: ``staff``: a front-line member who sees their own customers (with an ``own`` scope).
Role = Literal["staff", "viewer", "operator", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)


def allows(granted: str, needed: Role) -> bool:
    """True when a principal with ``granted`` may call a route that needs ``needed``."""
    return granted in ROLES and ROLES.index(granted) >= ROLES.index(needed)  # type: ignore[arg-type, unused-ignore]
