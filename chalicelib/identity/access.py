"""The HTTP edge's access check (:class:`chalicelib.core.http.Access`): who a request is
from (:mod:`chalicelib.identity.credentials`) and whether their data scope covers a route
(:mod:`chalicelib.identity.queries`). Installed by :mod:`chalicelib.identity.routes`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from chalicelib.identity import queries
from chalicelib.identity.credentials import authenticate, check_csrf, presented
from chalicelib.identity.errors import ScopeRefused

if TYPE_CHECKING:
    from chalicelib.identity.models import Principal

__all__ = ["authenticate", "check_csrf", "check_scope", "presented"]

#: Path parameters naming a staff member, for the ``staff`` rule.
STAFF_PARAMS = ("userid", "handover_userid")


def check_scope(principal: Principal, rule: str, params: Mapping[str, Any]) -> None:
    """403 ``scope_required`` unless the principal's data scope covers the route."""
    if rule in ("none", "filtered") or queries.sees_everything(principal):
        return
    if rule == "contact":
        contact = unquote(str(params.get("external_userid", "")))
        if contact and queries.may_see_contact(principal, contact):
            return
        raise ScopeRefused("this customer is outside your data scope")
    if rule == "staff":
        userid = next((str(params[p]) for p in STAFF_PARAMS if p in params), "")
        if userid and queries.may_see_staff(principal, unquote(userid)):
            return
        raise ScopeRefused("this member's customers are outside your data scope")
    raise ScopeRefused("this route reads across all customers; it needs the 'all' data scope")
