"""What other contexts may read of the directory: saved audiences and their members, page
by page (broadcasts and SOP date plans, evaluated when they go out)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.directory import models

if TYPE_CHECKING:
    from chalicelib.directory.models import Audience


@dataclass(frozen=True)
class Member:
    """A customer of an audience and the staff member who sends to them: the first of
    their active followers the filter names, else the one who added them first."""

    contact_id: str
    sender: str


@dataclass(frozen=True)
class MemberPage:
    members: list[Member]
    next_after: str | None  # pass back as ``after`` for the next page; None: the last page
    as_of: int | None


def get_audience(audience_id: str) -> Audience:
    """The saved audience (``AudienceNotFound``, a 404, when there is none)."""
    from chalicelib.directory.service import get_audience as get

    return get(audience_id)


def audience_page(
    audience_id: str, after: str | None = None, limit: int | None = None, now: int | None = None
) -> MemberPage:
    """One page (10,000 by default) of the audience's members in contact id order,
    evaluated now."""
    from chalicelib.directory import gateway

    audience = get_audience(audience_id)
    answer = gateway.call(
        {
            "op": "ids",
            "filter": audience.filter.model_dump(mode="json", exclude_defaults=True),
            "after": after,
            "limit": limit or models.ID_PAGE,
            "now": int(time.time()) if now is None else now,
            "scope_staff": None,
        }
    )
    preferred = audience.filter.staff
    members = []
    for contact_id, staff in answer["members"]:
        sender = next((s for s in staff if s in preferred), None) if preferred else None
        sender = sender or (staff[0] if staff else None)
        if sender:
            members.append(Member(contact_id, sender))
    return MemberPage(members, answer["next"], answer.get("as_of"))


def audience_members(audience_id: str, now: int | None = None) -> Iterator[Member]:
    """Every member of the audience, page by page."""
    after: str | None = None
    while True:
        page = audience_page(audience_id, after, now=now)
        yield from page.members
        if page.next_after is None:
            return
        after = page.next_after
