"""Roles, weakest first (defined with the HTTP edge in :mod:`chalicelib.core.roles`)."""

from chalicelib.core.roles import ROLES, Role, allows

__all__ = ["ROLES", "Role", "allows"]
