"""The requester's data scope as a directory restriction.

A data scope ("only customers followed by these staff userids") is one more condition the
route adds to every directory request (:class:`~chalicelib.directory.compiler.Scope`), and
a filter that asks for staff outside it is refused. The staff come from the signed-in
principal's scope (:func:`chalicelib.identity.queries.staff_in_scope`): ``all`` sees every
customer, ``own`` the customers the person follows, ``departments`` those followed by the
members of the departments (and the departments below them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.directory.compiler import EVERYONE, Scope

if TYPE_CHECKING:
    from chalicelib.identity.models import Principal


def scope_of(principal: Principal) -> Scope:
    """The directory restriction of ``principal``."""
    from chalicelib.identity import queries as identity

    staff = identity.staff_in_scope(principal)
    return EVERYONE if staff is None else Scope(staff)
