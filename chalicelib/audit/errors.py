"""Errors of the audit log."""

from __future__ import annotations

from chalicelib.core.errors import DependencyUnavailable


class AuditUnavailable(DependencyUnavailable):
    """The audit log did not accept the entry; the change was not attempted."""

    code = "audit_unavailable"
