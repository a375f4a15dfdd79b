"""Errors of the contacts context."""

from chalicelib.core.errors import NotFound


class ContactNotFound(NotFound):
    code = "contact_not_found"
