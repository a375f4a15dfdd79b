"""Errors of the membership context (HTTP status mapped in chalicelib/core/http.py)."""

from __future__ import annotations

from chalicelib.core.errors import DependencyUnavailable


class MembershipBusy(DependencyUnavailable):
    code = "membership_busy"
