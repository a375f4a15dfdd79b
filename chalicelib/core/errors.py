"""Typed domain errors. Each carries its HTTP status; :mod:`chalicelib.core.http` maps them.

Services raise these; views never build error responses by hand.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class: a failure the caller can act on, with a stable machine-readable code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def answer(self) -> tuple[int, str]:
        """The HTTP status and code this error is answered with (a subclass may refine
        them from what it carries)."""
        return self.status, self.code


class BadRequest(DomainError):
    """The request is malformed: the reason says what to fix."""


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


class DependencyUnavailable(DomainError):
    """A store or an upstream API did not answer; the caller may retry later."""

    status = 503
    code = "unavailable"
