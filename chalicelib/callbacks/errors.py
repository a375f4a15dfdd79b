"""Errors of the callback inbox."""

from chalicelib.core.errors import BadRequest


class MalformedEvent(BadRequest):
    code = "malformed_event"
