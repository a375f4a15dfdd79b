"""The requester's data scope as a directory restriction.

A data scope ("only customers followed by these staff userids") is one more condition the
route adds to every directory request (:class:`~chalicelib.directory.compiler.Scope`), and
a filter that asks for staff outside it is refused. Until sign-in carries a scope on the
request (the authorizer's ``scope_staff``: a comma-separated list of staff userids), every
admitted principal sees every customer: :func:`scope_of_request` is the one seam to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.directory.compiler import EVERYONE, Scope


def scope_of_request(context: Mapping[str, Any]) -> Scope:
    """The scope of the request whose ``requestContext`` is ``context``."""
    authorizer = context.get("authorizer") or {}
    staff = authorizer.get("scope_staff")
    if staff is None:
        return EVERYONE
    return Scope(frozenset(s for s in str(staff).split(",") if s))
