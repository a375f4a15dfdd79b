"""Admin bearer tokens for tests."""

from __future__ import annotations

from chalicelib.auth.roles import Role
from chalicelib.auth.tokens import mint


def bearer(role: Role = "admin", *, ttl_s: int = 600, subject: str = "tester") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(subject, role, ttl_s=ttl_s)}"}
