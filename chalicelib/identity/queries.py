"""What other contexts ask of identity: may this principal see this customer or this
member's customers? Plain functions; routes call them through the HTTP edge's scope rules
(``ApiBlueprint.route(scope=...)``) or directly to filter a list.

- ``all``: everything.
- ``own``: the customers the principal follows (their userid is among the followers).
- ``departments``: the customers followed by members of the named departments or of any
  department below them in WeCom's tree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.identity.models import Principal


def may_see_staff(principal: Principal, userid: str) -> bool:
    """True when ``userid``'s customers are within the principal's scope."""
    scope = principal.scope
    if scope.kind == "all":
        return True
    if scope.kind == "own":
        return userid == principal.userid
    from chalicelib.identity import directory

    member = directory.member(userid)
    if member is None:
        return False
    return bool(set(member.departments) & directory.with_descendants(scope.departments))


def may_see_contact(principal: Principal, external_userid: str) -> bool:
    """True when one of the customer's followers is within the principal's scope."""
    if principal.scope.kind == "all":
        return True
    from chalicelib.contacts import queries as contacts

    return any(may_see_staff(principal, userid) for userid in contacts.followers(external_userid))


def sees_everything(principal: Principal) -> bool:
    return principal.scope.kind == "all"


def staff_in_scope(principal: Principal) -> frozenset[str] | None:
    """The members whose customers the principal may see, or ``None`` for everyone (for
    lists that filter by follower, such as the customer directory)."""
    scope = principal.scope
    if scope.kind == "all":
        return None
    if scope.kind == "own":
        return frozenset({principal.userid})
    from chalicelib.identity import directory
    from chalicelib.members import queries as members

    return members.members_of(directory.with_descendants(scope.departments))
