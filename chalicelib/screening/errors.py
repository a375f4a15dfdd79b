"""Errors of the screening context."""

from chalicelib.core.errors import BadRequest, NotFound


class NotScreened(NotFound):
    code = "not_screened"


class BadScreeningDay(BadRequest):
    code = "bad_screening_day"
