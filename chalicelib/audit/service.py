"""Use cases of the audit log.

:func:`begin` files an entry before an admin write runs (so no write can happen unaudited),
:func:`finish` records its outcome and, for a route about a contact, puts the change on
the contact's timeline. :func:`entries` lists a range of local days, newest first.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.audit import store
from chalicelib.audit.models import AuditEntry, AuditPage
from chalicelib.audit.summary import summarize
from chalicelib.core.errors import BadRequest
from chalicelib.core.observability import logger, metrics
from chalicelib.core.settings import get_settings

MAX_DAYS = 31
#: Path parameters that name a contact: a write through such a route is on their timeline.
CONTACT_PARAM = "external_userid"
TIMELINE_KIND = "admin_change"


@dataclass
class Started:
    """An entry filed before the write ran, with what :func:`finish` needs."""

    item: AuditEntry
    params: dict[str, str] = field(default_factory=dict)


def local_day(at_ms: int) -> str:
    zone = ZoneInfo(get_settings().timezone)
    return datetime.fromtimestamp(at_ms / 1000, zone).date().isoformat()


def concrete_path(route: str, params: dict[str, str]) -> str:
    path = route
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
    return path


def begin(
    *,
    principal: str,
    role: str,
    name: str = "",
    method: str,
    route: str,
    params: dict[str, Any],
    body: Any,
    request_id: str | None,
) -> Started:
    """File the entry (outcome ``started``); :class:`AuditUnavailable` (503) if it cannot be."""
    at_ms = int(time.time() * 1000)
    entry_id = uuid.uuid4().hex
    raw = {str(k): str(v) for k, v in params.items()}
    clean = {k: unquote(v) for k, v in raw.items()}
    item = AuditEntry(
        id=entry_id,
        at=at_ms,
        day=local_day(at_ms),
        principal=principal,
        name=name,
        role=role,
        method=method,
        route=route,
        path=concrete_path(route, raw),
        params=clean,
        summary=summarize(body),
        status=None,
        outcome="started",
        request_id=request_id or entry_id,
        timeline=None,
        reason=None,
    )
    store.put_new(item)
    return Started(item=item, params=clean)


def refused(
    *,
    principal: str,
    name: str,
    role: str,
    method: str,
    route: str,
    params: dict[str, Any],
    status: int,
    reason: str,
    request_id: str | None,
) -> None:
    """File a refused attempt (401 or 403): who tried (as far as known), what, and why."""
    at_ms = int(time.time() * 1000)
    entry_id = uuid.uuid4().hex
    raw = {str(k): str(v) for k, v in params.items()}
    store.put_new(
        AuditEntry(
            id=entry_id,
            at=at_ms,
            day=local_day(at_ms),
            principal=principal,
            name=name,
            role=role,
            method=method,
            route=route,
            path=concrete_path(route, raw),
            params={k: unquote(v) for k, v in raw.items()},
            summary=None,
            status=status,
            outcome="refused",
            reason=reason,
            request_id=request_id or entry_id,
            timeline=None,
        ),
        finished_at=at_ms,
    )


def finish(started: Started, status: int) -> None:
    """Record the outcome. Never raises: the write already happened (or was refused), so a
    failure here is logged and counted, and the entry stays ``started``."""
    item = started.item
    outcome = "succeeded" if status < 400 else "refused" if status < 500 else "failed"
    timeline = None
    contact = started.params.get(CONTACT_PARAM)
    if contact and outcome == "succeeded":
        timeline = _on_timeline(contact, item, status)
    try:
        store.finish(
            item,
            status=status,
            outcome=outcome,
            timeline=timeline,
            at_ms=int(time.time() * 1000),
        )
    except Exception:  # noqa: BLE001 - the request's own answer must not change
        logger.exception(
            "audit outcome not recorded; the entry stays 'started'",
            extra={"audit_id": item.id, "status": status, "route": item.route},
        )
        metrics.add_metric(name="AuditIncomplete", unit=MetricUnit.Count, value=1)


def _on_timeline(external_userid: str, item: AuditEntry, status: int) -> str:
    from chalicelib import signals

    detail = {
        "method": item.method,
        "route": item.route,
        "principal": item.principal,
        "name": item.name or "",
        "role": item.role,
        "status": status,
        "summary": item.summary,
        "audit_id": item.id,
    }
    try:
        signals.publish(
            signals.TimelineNoted(
                effect_id=f"audit:{item.id}",
                contact_id=external_userid,
                kind=TIMELINE_KIND,
                at_ms=int(item.at),
                detail=detail,
                event_key=f"audit:{item.id}",
            )
        )
    except Exception:  # noqa: BLE001 - recorded on the entry, never fails the request
        logger.exception("admin change not put on the timeline", extra={"audit_id": item.id})
        metrics.add_metric(name="AuditTimelineFailed", unit=MetricUnit.Count, value=1)
        return "failed"
    return "written"


def _day(value: str | None, name: str, default: date) -> date:
    if value is None or value == "":
        return default
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise BadRequest(f"{name} must be a day as YYYY-MM-DD", code="invalid_day") from error


def entries(
    day_from: str | None, day_to: str | None, limit: int, cursor: str | None = None
) -> AuditPage:
    """Entries filed on local days ``day_from`` to ``day_to`` (inclusive), newest first;
    ``cursor`` (a page's ``next_cursor``) goes on after that page's last entry."""
    from chalicelib.core.paging import decode, encode, invalid_cursor

    today = date.fromisoformat(local_day(int(time.time() * 1000)))
    last = _day(day_to, "to", today)
    first = _day(day_from, "from", last)
    if first > last:
        raise BadRequest("from must not be after to", code="invalid_range")
    if (last - first).days >= MAX_DAYS:
        raise BadRequest(f"at most {MAX_DAYS} days at a time", code="invalid_range")
    found: list[tuple[AuditEntry, str]] = []
    day, before = last, None
    after = decode(cursor)
    if after is not None:
        try:
            day, before = date.fromisoformat(after["day"]), str(after["sk"])
        except (KeyError, TypeError, ValueError) as error:
            raise invalid_cursor() from error
        if set(after) != {"day", "sk"} or not first <= day <= last:
            raise invalid_cursor()
    while day >= first and len(found) <= limit:
        for entry in store.day_entries(day.isoformat(), limit + 1 - len(found), before):
            found.append((entry, store.sort_key(entry)))
        day, before = day - timedelta(days=1), None
    more = len(found) > limit
    following = (
        encode({"day": found[limit - 1][0].day, "sk": found[limit - 1][1]}) if more else None
    )
    return AuditPage(items=[e for e, _ in found[:limit]], truncated=more, next_cursor=following)
