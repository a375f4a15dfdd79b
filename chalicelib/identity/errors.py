"""Typed errors of sign-in and access (mapped to HTTP in :mod:`chalicelib.core.http`)."""

from __future__ import annotations

from chalicelib.core.errors import Forbidden, Unauthorized


class NotSignedIn(Unauthorized):
    """No credential, or one that is unknown, expired, revoked or forged (401)."""

    code = "unauthenticated"


class CsrfRefused(Forbidden):
    """A write authenticated by the session cookie without the matching X-CSRF-Token."""

    code = "csrf_refused"


class ScopeRefused(Forbidden):
    """The principal's data scope does not cover what the route is about (403)."""

    code = "scope_required"


class LoginRefused(Exception):
    """The sign-in callback refuses: answered as an HTML page with ``status``."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
