"""The directory's own tables: the change log, the refresh cursor and exports
(``directory``), and saved audiences (``audiences``). Every read is a GetItem or a Query of
one partition; nothing here scans."""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, PynamoDBException

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.storage import staged
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.keys import Prefix
from chalicelib.storage.schema import AUDIENCES, DIRECTORY

#: Writes of one minute spread over this many partitions.
SHARDS = 2
CHANGE_TTL_S = 3 * 86_400
EXPORT_TTL_S = 7 * 86_400
CURSOR = ("cursor", "refresh")
BACKFILL = ("cursor", "backfill")
AUDIENCE_LISTING = "audiences"
META = "meta"


def minute(at: int) -> str:
    """``YYYYMMDDHHMM`` (UTC) of epoch second ``at``: the change log's bucket."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y%m%d%H%M")


def minutes_between(start: int, end: int) -> list[str]:
    """Every bucket from ``start``'s minute to ``end``'s, inclusive."""
    first = start - start % 60
    return [minute(at) for at in range(first, end + 1, 60)]


def shard_of(contact_id: str) -> int:
    return zlib.crc32(contact_id.encode()) % SHARDS


changed_pk = Prefix("changed#")
export_pk = Prefix("export#")


class DirectoryItem(TableModel):
    schema = DIRECTORY
    at = NumberAttribute(null=True)
    value = UnicodeAttribute(null=True)
    body = JSONAttribute(null=True)


class AudienceItem(TableModel):
    schema = AUDIENCES
    body = JSONAttribute()
    updated_at = NumberAttribute(default=0)


def _unavailable(error: Exception) -> DependencyUnavailable:
    return DependencyUnavailable(f"the directory tables did not answer: {type(error).__name__}")


# --- the change log --------------------------------------------------------------------------


#: What changed about a contact, by the context that told (the refresh reads again only
#: what changed: a contact whose only news is a group join is not read from contacts).
#: ``ALL`` (an item without a facet) reads everything.
CONTACTS, GROUPS, ORDERS, POINTS, MEMBERSHIP, SCREENING = (
    "contacts",
    "groups",
    "orders",
    "points",
    "membership",
    "screening",
)
FACETS = frozenset({CONTACTS, GROUPS, ORDERS, POINTS, MEMBERSHIP, SCREENING})
ALL = "all"
FACET_MARK = "|"


def change_sk(contact_id: str, facet: str | None) -> str:
    """``<facet>|<contact id>``, or the bare id for a change of everything."""
    return contact_id if facet in (None, ALL) else f"{facet}{FACET_MARK}{contact_id}"


def parse_change(sk: str) -> tuple[str, str]:
    """(contact id, facet) of a change log item's sort key."""
    facet, mark, contact_id = sk.partition(FACET_MARK)
    if mark and facet in FACETS:
        return contact_id, facet
    return sk, ALL


def touch(contact_ids: Iterable[str], at: int | None = None, facet: str | None = None) -> None:
    """Record that these contacts changed, in ``facet`` (idempotent: one item per contact,
    facet and minute). One contact inside a processing pass: kept for the pass's commit."""
    if facet not in (None, ALL, *FACETS):
        raise ValueError(f"unknown facet {facet!r}")
    at = int(time.time()) if at is None else at
    bucket = minute(at)
    model = DirectoryItem.bound()
    items = [
        model(
            changed_pk(bucket, shard_of(c)),
            change_sk(c, facet),
            at=at,
            expires_at=timedelta(seconds=CHANGE_TTL_S),
        )
        for c in dict.fromkeys(contact_ids)
        if c
    ]
    if len(items) == 1 and staged.current() is not None:
        staged.write(staged.Writes("the change log", [staged.Op(items[0])]))
        return  # with the pass's other read-model writes (marks of one minute merge)
    try:
        if len(items) == 1:
            items[0].save()
        elif items:
            with model.batch_write() as batch:
                for item in items:
                    batch.save(item)
    except PynamoDBException as error:
        raise _unavailable(error) from error


def changes_since(start: int, end: int) -> dict[str, set[str]]:
    """What changed about each contact touched in the minutes from ``start`` to ``end``:
    contact id -> facets (one Query per minute and shard)."""
    from concurrent.futures import ThreadPoolExecutor

    model = DirectoryItem.bound()
    keys = [changed_pk(b, s) for b in minutes_between(start, end) for s in range(SHARDS)]

    def read(pk: str) -> list[str]:
        return [item.sk for item in model.query(pk, attributes_to_get=["pk", "sk"])]

    changes: dict[str, set[str]] = {}
    try:
        with ThreadPoolExecutor(8) as pool:
            for sks in pool.map(read, keys):
                for sk in sks:
                    contact_id, facet = parse_change(sk)
                    changes.setdefault(contact_id, set()).add(facet)
    except PynamoDBException as error:
        raise _unavailable(error) from error
    return changes


def changed_since(start: int, end: int) -> Iterator[str]:
    """Contact ids touched in the minutes from ``start`` to ``end``."""
    yield from changes_since(start, end)


def cursor() -> int | None:
    model = DirectoryItem.bound()
    try:
        item = model.get(*CURSOR, consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable(error) from error
    return None if item.at is None else int(item.at)


def save_cursor(at: int) -> None:
    try:
        DirectoryItem.bound()(*CURSOR, at=at).save()
    except PynamoDBException as error:
        raise _unavailable(error) from error


def backfill_state() -> dict[str, Any]:
    """Where the backfill stopped: ``cursor`` (of the contacts' pages) and ``finished``."""
    model = DirectoryItem.bound()
    try:
        item = model.get(*BACKFILL, consistent_read=True)
    except model.DoesNotExist:
        return {}
    except PynamoDBException as error:
        raise _unavailable(error) from error
    return dict(item.body or {})


def save_backfill_state(cursor: str | None, *, finished: bool) -> None:
    body = {"cursor": cursor, "finished": finished, "at": int(time.time())}
    try:
        DirectoryItem.bound()(*BACKFILL, at=int(time.time()), body=body).save()
    except PynamoDBException as error:
        raise _unavailable(error) from error


# --- exports -------------------------------------------------------------------------------


def save_export(export_id: str, body: dict[str, object], now: int) -> None:
    model = DirectoryItem.bound()
    try:
        model(
            export_pk(export_id),
            META,
            at=now,
            body=body,
            expires_at=timedelta(seconds=EXPORT_TTL_S),
        ).save()
    except PynamoDBException as error:
        raise _unavailable(error) from error


def get_export(export_id: str) -> dict[str, Any] | None:
    model = DirectoryItem.bound()
    try:
        item = model.get(export_pk(export_id), META, consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable(error) from error
    return dict(item.body or {})


# --- audiences -----------------------------------------------------------------------------


def get_audience(audience_id: str) -> dict[str, object] | None:
    model = AudienceItem.bound()
    try:
        item = model.get(AUDIENCE_LISTING, audience_id, consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable(error) from error
    return dict(item.body)


def audiences() -> list[dict[str, object]]:
    model = AudienceItem.bound()
    try:
        return [dict(item.body) for item in model.query(AUDIENCE_LISTING)]
    except PynamoDBException as error:
        raise _unavailable(error) from error


def put_audience(audience_id: str, body: dict[str, object], now: int) -> None:
    model = AudienceItem.bound()
    try:
        model(AUDIENCE_LISTING, audience_id, body=body, updated_at=now).save()
    except PynamoDBException as error:
        raise _unavailable(error) from error


def delete_audience(audience_id: str) -> None:
    model = AudienceItem.bound()
    try:
        model(AUDIENCE_LISTING, audience_id).delete()
    except PynamoDBException as error:
        raise _unavailable(error) from error


# --- the writer lease (``lease / writer``) ------------------------------------------------

LEASE = ("lease", "writer")


def take_lease(holder: str, now: int, lease_s: int) -> bool:
    """Hold the read model's writer lease for ``lease_s``; False while another holder's
    lease runs."""
    item = DirectoryItem(*LEASE, value=holder, at=now, expires_at=timedelta(seconds=lease_s))
    try:
        item.save(condition=DirectoryItem.pk.does_not_exist() | (DirectoryItem.at < now - lease_s))
    except PutError:
        return False
    return True


def release_lease() -> None:
    try:
        DirectoryItem(*LEASE).delete()
    except PynamoDBException as error:
        raise _unavailable(error) from error
