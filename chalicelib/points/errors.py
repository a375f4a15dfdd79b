"""Errors of the points context (HTTP status mapped in chalicelib/core/http.py)."""

from __future__ import annotations

from chalicelib.core.errors import BadRequest, Conflict, DependencyUnavailable, Forbidden


class InsufficientPoints(Conflict):
    """The balance does not cover the debit (it never goes negative)."""

    code = "insufficient_points"


class RequestReused(Conflict):
    """A request id already used for a different redemption or adjustment."""

    code = "request_id_reused"


class UnknownTask(BadRequest):
    code = "unknown_task"


class LedgerBusy(DependencyUnavailable):
    """Too many concurrent writes to one account; the caller may retry."""

    code = "ledger_busy"


class AdjustmentNeedsAdmin(Forbidden):
    """A manual adjustment above the rules' ``adjust_admin_above`` by a weaker role."""

    code = "adjustment_needs_admin"


class AdjustmentCapReached(Forbidden):
    """The person's manual adjustments of the day would pass ``adjust_daily_cap``."""

    code = "adjustment_cap_reached"
