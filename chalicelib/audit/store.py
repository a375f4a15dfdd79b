"""The audit-log table: ``pk=day#<local day>``, ``sk=<epoch ms, 15 digits>#<entry id>``.

One partition per day, sorted by time, so a day range is a Query per day, newest first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException

from chalicelib.audit.errors import AuditUnavailable
from chalicelib.audit.models import AuditEntry
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.keys import Prefix
from chalicelib.storage.schema import AUDIT_LOG

if TYPE_CHECKING:
    from pynamodb.expressions.update import Action

day_pk = Prefix("day#")


def entry_sk(at_ms: int, entry_id: str) -> str:
    return f"{at_ms:015d}#{entry_id}"


class AuditItem(TableModel):
    schema = AUDIT_LOG
    entry_id = UnicodeAttribute()
    at = NumberAttribute()
    principal = UnicodeAttribute(default="")
    #: The person's display name (WeCom), or the API key's name.
    name = UnicodeAttribute(null=True)
    role = UnicodeAttribute(default="")
    method = UnicodeAttribute()
    route = UnicodeAttribute()
    path = UnicodeAttribute()
    params = JSONAttribute(default=dict)
    summary = JSONAttribute(null=True)
    status = NumberAttribute(null=True)
    outcome = UnicodeAttribute()
    request_id = UnicodeAttribute(default="")
    timeline = UnicodeAttribute(null=True)
    finished_at = NumberAttribute(null=True)
    #: Why a refused attempt was refused (the error code), for 401 / 403 entries.
    reason = UnicodeAttribute(null=True)


def put_new(entry: AuditEntry, *, finished_at: int | None = None) -> None:
    """File a new entry; never overwrites one (the id is fresh per request)."""
    item = AuditItem(
        day_pk(entry.day),
        entry_sk(entry.at, entry.id),
        entry_id=entry.id,
        at=entry.at,
        principal=entry.principal,
        name=entry.name,
        role=entry.role,
        method=entry.method,
        route=entry.route,
        path=entry.path,
        params=dict(entry.params),
        summary=entry.summary,
        status=entry.status,
        outcome=entry.outcome,
        request_id=entry.request_id,
        reason=entry.reason,
        finished_at=finished_at,
    )
    try:
        item.save(condition=AuditItem.pk.does_not_exist())
    except PynamoDBException as error:
        raise AuditUnavailable("the audit log did not accept the entry") from error


def finish(
    entry: AuditEntry, *, status: int, outcome: str, timeline: str | None, at_ms: int
) -> None:
    """Record the outcome of a started entry."""
    actions: list[Action] = [
        AuditItem.status.set(status),
        AuditItem.outcome.set(outcome),
        AuditItem.finished_at.set(at_ms),
    ]
    if timeline is not None:
        actions.append(AuditItem.timeline.set(timeline))
    item = AuditItem(day_pk(entry.day), entry_sk(entry.at, entry.id))
    try:
        item.update(actions=actions, condition=AuditItem.pk.exists())
    except PynamoDBException as error:
        raise AuditUnavailable("the audit log did not accept the outcome") from error


def sort_key(entry: AuditEntry) -> str:
    """Where ``entry`` sorts in its day (a page's cursor)."""
    return entry_sk(entry.at, entry.id)


def day_entries(day: str, limit: int, before_sk: str | None = None) -> Iterator[AuditEntry]:
    """One day's entries, newest first (a Query of the day's partition); with
    ``before_sk``, only those filed before that entry."""
    condition = None if before_sk is None else AuditItem.sk < before_sk
    try:
        for item in AuditItem.query(day_pk(day), condition, scan_index_forward=False, limit=limit):
            yield _entry(item)
    except PynamoDBException as error:
        raise AuditUnavailable("the audit log did not answer") from error


def _entry(item: AuditItem) -> AuditEntry:
    return AuditEntry(
        id=item.entry_id,
        at=int(item.at),
        day=item.pk.removeprefix("day#"),
        principal=item.principal,
        name=item.name or "",
        role=item.role,
        method=item.method,
        route=item.route,
        path=item.path,
        params=dict(item.params or {}),
        summary=item.summary,
        status=None if item.status is None else int(item.status),
        outcome=item.outcome,  # type: ignore[arg-type]
        request_id=item.request_id,
        timeline=item.timeline,  # type: ignore[arg-type]
        reason=item.reason,
    )
