"""The HTTP edge's audit log (:class:`chalicelib.core.http.AuditLog`): every admin write,
bulk read and refused attempt, filed through :mod:`chalicelib.audit.service`. Installed by
:mod:`chalicelib.audit.routes`."""

from __future__ import annotations

from typing import Any

from chalicelib.audit import service
from chalicelib.audit.service import Started, finish, refused
from chalicelib.audit.summary import parse_body

__all__ = ["begin", "finish", "refused"]


def begin(
    *,
    principal: str,
    name: str,
    role: str,
    method: str,
    route: str,
    params: dict[str, Any],
    raw_body: bytes | str | None,
    request_id: str | None,
) -> Started:
    """File the entry before the write runs, with a safe summary of its body."""
    return service.begin(
        principal=principal,
        name=name,
        role=role,
        method=method,
        route=route,
        params=params,
        body=parse_body(raw_body),
        request_id=request_id,
    )
