"""Errors of the broadcasts context."""

from chalicelib.core.errors import BadRequest, Conflict, NotFound


class BroadcastNotFound(NotFound):
    code = "broadcast_not_found"


class BroadcastExists(Conflict):
    code = "broadcast_exists"


class NoRecipients(BadRequest):
    code = "no_recipients"
