"""Choosing who receives a scan: pure functions of the pool, today's counts and the time.

No I/O here, so every rule is tested without a table. The caller tries the ranked
candidates in order, reserving each one's daily slot with a conditional write, and falls
back to the backups when none is left (see :mod:`chalicelib.livecodes.service`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from chalicelib.livecodes.models import Mode


class Window(Protocol):
    def span(self) -> tuple[int, int]: ...


class Member(Protocol):
    """A member of a pool: the saved :class:`~chalicelib.livecodes.models.StaffIn`, or
    the scan's :class:`~chalicelib.livecodes.scanning.RouteStaff` (no pydantic)."""

    @property
    def userid(self) -> str: ...
    @property
    def weight(self) -> int: ...
    @property
    def daily_cap(self) -> int | None: ...
    @property
    def schedule(self) -> Mapping[str, Sequence[Window]] | None: ...
    @property
    def special_dates(self) -> Mapping[str, Sequence[Window]]: ...


M = TypeVar("M", bound=Member)


@dataclass(frozen=True)
class Today:
    """One code's counters for the current local day: ``scans`` in all, scans routed to
    each member (``reserved``, for the stats and the weighted share), real adds per member
    (``adds``, from the callbacks) and the reservations still holding a slot of each
    member's cap (``held``: the scans of the current hold window, which expire with it)."""

    scans: int = 0
    reserved: Mapping[str, int] = field(default_factory=dict)
    adds: Mapping[str, int] = field(default_factory=dict)
    held: Mapping[str, int] = field(default_factory=dict)


def on_duty(member: Member, now_local: datetime) -> bool:
    """Whether ``now_local`` (in the configured zone) falls in one of the member's windows:
    a special date overrides the weekly schedule; no schedule means any time."""
    windows = member.special_dates.get(now_local.date().isoformat())
    if windows is None:
        if member.schedule is None:
            return True
        windows = member.schedule.get(str(now_local.isoweekday()), [])
    minute = now_local.hour * 60 + now_local.minute
    return any(start <= minute < end for start, end in (w.span() for w in windows))


def scan_limit(member: Member, allowance: float) -> int | None:
    """Most scans a member's cap admits at once; ``None``: no cap."""
    if member.daily_cap is None:
        return None
    return math.floor(member.daily_cap * allowance)


def hold_room(member: Member, today: Today, allowance: float) -> int | None:
    """How many reservations the member may hold in the current window: what the cap
    (times the scan allowance) leaves after today's real adds; ``None``: no cap."""
    limit = scan_limit(member, allowance)
    if limit is None:
        return None
    return max(0, limit - today.adds.get(member.userid, 0))


def has_room(member: Member, today: Today, allowance: float) -> bool:
    """Under the cap of real adds, with a reservation slot free right now. Scans alone
    never close a member for the day: their reservations expire with the hold window."""
    if member.daily_cap is None:
        return True
    room = hold_room(member, today, allowance) or 0
    return (
        today.adds.get(member.userid, 0) < member.daily_cap
        and today.held.get(member.userid, 0) < room
    )


def candidates(
    mode: Mode,
    pool: Sequence[M],
    today: Today,
    now_local: datetime,
    allowance: float = 1.0,
) -> list[M]:
    """The eligible members (on duty, under their cap), best first under ``mode``:

    - ``round_robin``: the eligible members in pool order, starting at the one today's
      scan count points at (a member who drops out leaves the others sharing evenly);
    - ``weighted``: the smallest ``(routed + 1) / weight`` first: over many scans each
      member gets a share proportional to their weight (smooth, not random);
    - ``least_loaded``: the fewest real adds today first, then the fewest routed scans.
    """
    eligible = [m for m in pool if on_duty(m, now_local) and has_room(m, today, allowance)]
    if not eligible:
        return []
    position = {m.userid: i for i, m in enumerate(pool)}
    if mode == "round_robin":
        start = today.scans % len(eligible)
        return [*eligible[start:], *eligible[:start]]
    if mode == "weighted":
        return sorted(
            eligible,
            key=lambda m: ((today.reserved.get(m.userid, 0) + 1) / m.weight, position[m.userid]),
        )
    return sorted(
        eligible,
        key=lambda m: (
            today.adds.get(m.userid, 0),
            today.reserved.get(m.userid, 0),
            position[m.userid],
        ),
    )


def backups(backup: Sequence[str], today: Today) -> list[str]:
    """The backup staff, rotated by today's scan count so they share the overflow."""
    if not backup:
        return []
    start = today.scans % len(backup)
    return [*backup[start:], *backup[:start]]
