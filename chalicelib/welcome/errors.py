"""Errors of the welcome context."""

from chalicelib.core.errors import BadRequest, NotFound


class WelcomeMessageNotFound(NotFound):
    code = "welcome_message_not_found"


class InvalidChannel(BadRequest):
    code = "invalid_channel"
