"""The audit-log table: ``pk=day#<local day>``, ``sk=<epoch ms, 15 digits>#<entry id>``.

One partition per day, sorted by time, so a day range is a Query per day, newest first.
"""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException
from pynamodb.expressions.update import Action

from chalicelib.audit.errors import AuditUnavailable
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.keys import Prefix
from chalicelib.storage.schema import AUDIT_LOG

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


def put_new(item: AuditItem) -> None:
    """Write a new entry; never overwrites one (the id is fresh per request)."""
    try:
        item.save(condition=AuditItem.pk.does_not_exist())
    except PynamoDBException as error:
        raise AuditUnavailable("the audit log did not accept the entry") from error


def finish(item: AuditItem, *, status: int, outcome: str, timeline: str | None, at_ms: int) -> None:
    """Record the outcome of a started entry."""
    actions: list[Action] = [
        AuditItem.status.set(status),
        AuditItem.outcome.set(outcome),
        AuditItem.finished_at.set(at_ms),
    ]
    if timeline is not None:
        actions.append(AuditItem.timeline.set(timeline))
    try:
        item.update(actions=actions, condition=AuditItem.pk.exists())
    except PynamoDBException as error:
        raise AuditUnavailable("the audit log did not accept the outcome") from error


def day_entries(day: str, limit: int, before_sk: str | None = None) -> Iterator[AuditItem]:
    """One day's entries, newest first (a Query of the day's partition); with
    ``before_sk``, only those filed before that entry."""
    model = AuditItem.bound()
    condition = None if before_sk is None else model.sk < before_sk
    try:
        yield from model.query(day_pk(day), condition, scan_index_forward=False, limit=limit)
    except PynamoDBException as error:
        raise AuditUnavailable("the audit log did not answer") from error
