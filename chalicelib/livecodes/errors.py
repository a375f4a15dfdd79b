"""Errors of the live-codes context."""

from chalicelib.core.errors import BadRequest, DomainError, NotFound


class LiveCodeNotFound(NotFound):
    code = "live_code_not_found"


class LiveCodeExpired(DomainError):
    status = 410
    code = "live_code_expired"


class UnknownChannel(BadRequest):
    code = "unknown_channel"


class NoStaffAvailable(DomainError):
    """Every member and backup is off duty or at their cap."""

    status = 503
    code = "no_staff_available"
