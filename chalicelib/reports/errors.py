"""Errors of the reports context."""

from chalicelib.core.errors import BadRequest, NotFound


class ReportNotFound(NotFound):
    code = "report_not_found"


class BadPeriod(BadRequest):
    code = "bad_period"
