"""Errors of the contacts context."""

from chalicelib.core.errors import Conflict, NotFound


class ContactNotFound(NotFound):
    code = "contact_not_found"


class NotFollowing(Conflict):
    """The staff member named has no active relationship with the customer."""

    code = "not_following"
