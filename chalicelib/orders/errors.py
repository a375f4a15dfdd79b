"""Errors of the orders context (HTTP status mapped in chalicelib/core/http.py)."""

from __future__ import annotations

from chalicelib.core.errors import BadRequest, DependencyUnavailable, NotFound, Unauthorized


class BadSignature(Unauthorized):
    """The delivery's signature is missing, wrong, or its timestamp is outside the window."""

    code = "bad_signature"


class MalformedDelivery(BadRequest):
    """The delivery's body is not what the provider documents; the message says why."""

    code = "malformed_delivery"


class UnknownSource(NotFound):
    code = "unknown_source"


class OrderNotFound(NotFound):
    code = "order_not_found"


class OrderBusy(DependencyUnavailable):
    """The order kept changing under concurrent deliveries, or a later step failed after
    the delivery was stored: the provider's retry finishes the job."""

    code = "order_busy"
