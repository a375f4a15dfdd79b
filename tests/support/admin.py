"""Admin bearer tokens for tests."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.auth.roles import Role
from chalicelib.auth.tokens import ScopeKind, mint


def bearer(
    role: Role = "admin",
    *,
    ttl_s: int = 600,
    subject: str = "tester",
    scope: ScopeKind = "all",
    departments: Sequence[int] = (),
) -> dict[str, str]:
    token = mint(subject, role, ttl_s=ttl_s, scope=scope, departments=tuple(departments))
    return {"Authorization": f"Bearer {token}"}
