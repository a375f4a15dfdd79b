"""The scan of a live code (``GET /l/{code}``): choose a member, count the scan, route on.

A customer's phone waits on it, often on a function's first request: it reads the
channel's route item (:func:`routes_of` writes one per channel when a code is saved from
its validated :class:`~chalicelib.livecodes.models.LiveCode`) and parses it as plain data
(:class:`RouteStaff`), so a scan loads neither pydantic nor the contexts' models, nor
PynamoDB (:mod:`chalicelib.livecodes.scan_store`). Only a code saved before route items
existed is read whole and validated.

Caps: see :mod:`chalicelib.livecodes.service` and docs/decisions.md.
"""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.core.observability import logger, metrics
from chalicelib.core.settings import get_settings
from chalicelib.livecodes import rotation
from chalicelib.livecodes import scan_store as store
from chalicelib.livecodes.errors import LiveCodeExpired, LiveCodeNotFound, NoStaffAvailable

if TYPE_CHECKING:
    from chalicelib.livecodes.models import LiveCode, Mode

#: Reservation attempts per scan before the backups are tried.
MAX_ATTEMPTS = 5


def now_local(at: float | None = None) -> datetime:
    return datetime.fromtimestamp(
        time.time() if at is None else at, ZoneInfo(get_settings().timezone)
    )


@dataclass(frozen=True)
class Routed:
    """Where a scan goes: the member's contact-way QR, and how to show it."""

    code: str
    channel: str
    userid: str
    qr_code: str
    landing: str
    title: str
    hint: str
    backup: bool


def scan(code: str, channel: str | None, at: float | None = None) -> Routed:
    """Choose a member for one scan and count it: one BatchGetItem, then one conditional update
    per attempt (normally one). Never a Scan."""
    local = now_local(at)
    day = local.date().isoformat()
    live = _route(code, day, channel or "")
    if live is None:
        raise LiveCodeNotFound(f"no live code {code}")
    route, counters = live
    if route.expires_at is not None and local.timestamp() >= route.expires_at:
        raise LiveCodeExpired(f"live code {code} has expired")
    chosen_channel, qr = route.channel, route.qr
    window = int(local.timestamp()) // route.hold_s
    today = today_of(counters, window)
    for member in rotation.candidates(route.mode, route.staff, today, local, route.scan_allowance)[
        :MAX_ATTEMPTS
    ]:
        if member.userid not in qr:
            continue
        room = rotation.hold_room(member, today, route.scan_allowance)
        hold = (
            None
            if room is None
            else (window, room, _held_window(counters, member.userid) == window)
        )
        reserved = store.reserve(code, day, chosen_channel, member.userid, hold, member.daily_cap)
        if not reserved and hold is not None and not hold[2]:
            # A concurrent scan opened this hold window since the counters were read: the
            # member may still have room in it.
            hold = (window, hold[1], True)
            reserved = store.reserve(
                code, day, chosen_channel, member.userid, hold, member.daily_cap
            )
        if reserved:
            metrics.add_metric(name="LiveCodeScanRouted", unit=MetricUnit.Count, value=1)
            return _routed(route, member.userid, backup=False)
    for userid in rotation.backups(route.backup, today):
        if userid in qr and store.reserve(code, day, chosen_channel, userid, None, None):
            logger.info("scan routed to backup", extra={"code": code, "staff_userid": userid})
            metrics.add_metric(name="LiveCodeScanRoutedToBackup", unit=MetricUnit.Count, value=1)
            return _routed(route, userid, backup=True)
    metrics.add_metric(name="LiveCodeScanUnrouted", unit=MetricUnit.Count, value=1)
    raise NoStaffAvailable("no staff member is available for this code right now")


@dataclass(frozen=True)
class RouteWindow:
    """A working window as a route item holds it (``HH:MM``, validated when saved)."""

    start: str
    end: str

    def span(self) -> tuple[int, int]:
        return _minutes(self.start), _minutes(self.end)


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class RouteStaff:
    """A member of the pool as a route item holds it: the fields of
    :class:`~chalicelib.livecodes.models.StaffIn` the rotation reads."""

    userid: str
    weight: int = 1
    daily_cap: int | None = None
    schedule: dict[str, list[RouteWindow]] | None = None
    special_dates: dict[str, list[RouteWindow]] = field(default_factory=dict)


@dataclass(frozen=True)
class ScanRoute:
    """What a scan of one channel needs: the rules, the pool and the channel's QRs."""

    code: str
    channel: str
    mode: Mode
    staff: list[RouteStaff]
    backup: list[str]
    qr: dict[str, str]
    expires_at: int | None
    hold_s: int
    scan_allowance: float
    landing: str
    title: str
    hint: str


def routes_of(live: LiveCode) -> dict[str, str]:
    """The route item of every channel (and ``""``, the first channel's), as compact JSON:
    schedules written once and referred to by position, QRs without their shared prefix."""
    schedules: list[Any] = []
    staff = []
    for member in live.staff:
        entry: dict[str, Any] = {"u": member.userid}
        if member.weight != 1:
            entry["w"] = member.weight
        if member.daily_cap is not None:
            entry["c"] = member.daily_cap
        for key, value in (("s", member.schedule), ("d", member.special_dates or None)):
            if value is not None:
                dumped = {k: [w.model_dump() for w in v] for k, v in value.items()}
                if dumped not in schedules:
                    schedules.append(dumped)
                entry[key] = schedules.index(dumped)
        staff.append(entry)
    base = {
        "code": live.code,
        "mode": live.mode,
        "staff": staff,
        "sched": schedules,
        "backup": live.backup,
        "exp": live.expires_at,
        "hold": live.hold_s,
        "allow": live.scan_allowance,
        "landing": live.landing,
        "title": live.title or live.name,
        "hint": live.hint,
    }
    routes = {}
    for channel in live.channels:
        qr = {w.userid: w.qr_code for w in live.ways if w.channel == channel}
        prefix = _shared_prefix(list(qr.values()))
        body = {
            **base,
            "ch": channel,
            "qp": prefix,
            "qr": {u: q[len(prefix) :] for u, q in qr.items()},
        }
        routes[channel] = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    routes[""] = routes[live.channels[0]]
    return routes


def _shared_prefix(texts: list[str]) -> str:
    """The characters every one of ``texts`` starts with (none for fewer than two)."""
    if len(texts) < 2:
        return ""
    first, last = min(texts), max(texts)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


def _route(code: str, day: str, channel: str) -> tuple[ScanRoute, dict[str, int]] | None:
    """The channel's route and today's counters: one BatchGetItem; an unknown channel
    falls back to the first one, a code saved before route items to its document."""
    raw, counters = store.load_route(code, day, channel)
    if raw is None and channel:
        raw, counters = store.load_route(code, day, "")
    if raw is not None:
        return _parsed_route(raw), counters
    doc, counters = store.load_for_scan(code, day)
    if doc is None:
        return None
    live = parsed_code(doc)
    chosen = channel if channel in live.channels else live.channels[0]
    return _parsed_route(routes_of(live)[chosen]), counters


@functools.lru_cache(maxsize=512)
def _parsed_route(raw: str) -> ScanRoute:
    """A route, parsed once per version per warm Lambda (written by :func:`routes_of`
    from a validated code)."""
    body = json.loads(raw)
    schedules = body.get("sched") or []
    staff = [
        RouteStaff(
            userid=m["u"],
            weight=int(m.get("w", 1)),
            daily_cap=None if m.get("c") is None else int(m["c"]),
            schedule=_windows(schedules[m["s"]]) if "s" in m else None,
            special_dates=_windows(schedules[m["d"]]) if "d" in m else {},
        )
        for m in body["staff"]
    ]
    prefix = body.get("qp", "")
    return ScanRoute(
        code=body["code"],
        channel=body["ch"],
        mode=body["mode"],
        staff=staff,
        backup=list(body.get("backup") or []),
        qr={u: prefix + q for u, q in body["qr"].items()},
        expires_at=body.get("exp"),
        hold_s=int(body["hold"]),
        scan_allowance=float(body["allow"]),
        landing=body["landing"],
        title=body.get("title", ""),
        hint=body.get("hint", ""),
    )


def _windows(days: dict[str, list[dict[str, str]]]) -> dict[str, list[RouteWindow]]:
    return {
        day: [RouteWindow(w["start"], w["end"]) for w in windows] for day, windows in days.items()
    }


def _held_window(counters: dict[str, int], userid: str) -> int | None:
    return counters.get(f"holdw#{userid}")


@functools.lru_cache(maxsize=256)
def parsed_code(raw: str) -> LiveCode:
    """A code's configuration, validated once per version per warm Lambda (the scan path
    reads the same document again and again; any change to it is a new key)."""
    from chalicelib.livecodes.models import LiveCode

    return LiveCode.model_validate_json(raw)


def _routed(route: ScanRoute, userid: str, *, backup: bool) -> Routed:
    return Routed(
        code=route.code,
        channel=route.channel,
        userid=userid,
        qr_code=route.qr[userid],
        landing=route.landing,
        title=route.title,
        hint=route.hint,
        backup=backup,
    )


def today_of(counters: dict[str, int], window: int | None = None) -> rotation.Today:
    """Today's counters; ``held``: the reservations of hold window ``window`` (those of
    an earlier window have expired)."""
    reserved = {k[4:]: v for k, v in counters.items() if k.startswith("rsv#")}
    adds = {k[4:]: v for k, v in counters.items() if k.startswith("add#")}
    held = {
        k[5:]: v
        for k, v in counters.items()
        if k.startswith("hold#") and window is not None and _held_window(counters, k[5:]) == window
    }
    return rotation.Today(scans=counters.get("scans", 0), reserved=reserved, adds=adds, held=held)
