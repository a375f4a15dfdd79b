"""Keeping the read model current: fold the change log into Parquet deltas, compact nightly.

:func:`refresh` (every two minutes) reads the minutes of the change log since its cursor
(one Query per minute and shard), reloads only those contacts from their contexts'
``queries`` modules (contacts, screening, points, membership, groups), and of a contact
the directory already holds only what changed (the facet each signal recorded), writes
their rows as one delta file and adds it to the manifest. Its cost follows the changes,
not the size of the directory. The cursor is the start of the last successful run, so a
minute being written while a run reads it is read again by the next run; a contact folded
twice is the same row.

:func:`compact` (nightly, or when deltas pile up) merges base and deltas into a new base with
DuckDB; the files it replaced are deleted by the next compaction (a warm engine may still be
reading them until it sees the new manifest).

Both run in the directory function under a lease (one at a time).
"""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from chalicelib.core.aws import client as aws_client
from chalicelib.core.errors import Conflict
from chalicelib.core.settings import get_settings
from chalicelib.directory import store
from chalicelib.directory.columns import LISTS, NAMES, Row, to_arrow
from chalicelib.directory.compiler import Sql
from chalicelib.directory.engine import PREFIX, Engine, Manifest, get_engine

logger = logging.getLogger(__name__)

#: A run never reads further back than this (the change log keeps three days).
LOOKBACK_S = 48 * 3600
#: The very first run (no cursor yet) reads this far back.
FIRST_LOOKBACK_S = 15 * 60
#: Compact when this many deltas have piled up (besides the nightly run).
MAX_DELTAS = 60
THREADS = 32
LEASE_S = 900


@dataclass
class RefreshReport:
    changed: int = 0
    deltas: int = 0
    as_of: int | None = None
    seconds: float = 0.0


# --- loading rows from the contexts ----------------------------------------------------------


def load_rows(
    contact_ids: Sequence[str],
    version: int,
    facets: Mapping[str, set[str]] | None = None,
    known: Mapping[str, Row] | None = None,
) -> list[Row]:
    """The current row of each contact, read from its contexts' queries; a contact the
    contacts context no longer knows becomes a ``deleted`` row.

    With ``facets`` (what changed, from the change log) and ``known`` (the rows the
    directory holds now), a contact already known is read again only where it changed:
    contacts (and its referrer) only for a contacts or points change, groups (one Query per
    contact) only for a group change. Contacts are read 50 to a request
    (:func:`chalicelib.contacts.queries.find_contacts`); the batched reads of screening,
    points balances and tiers (a BatchGetItem per 100 contacts) are made for every
    contact."""
    from chalicelib.contacts import queries as contacts
    from chalicelib.groups import queries as groups
    from chalicelib.membership import queries as membership
    from chalicelib.points import queries as points
    from chalicelib.screening import queries as screening

    ids = list(dict.fromkeys(contact_ids))
    known = known or {}

    def wants(contact_id: str, *names: str) -> bool:
        changed = (facets or {}).get(contact_id, {store.ALL})
        return contact_id not in known or store.ALL in changed or bool(changed & set(names))

    reread = [i for i in ids if wants(i, store.CONTACTS)]
    regroup = [i for i in ids if wants(i, store.GROUPS)]
    found = contacts.find_contacts(reread) if reread else {}
    with ThreadPoolExecutor(THREADS) as pool:
        member_of = dict(zip(regroup, pool.map(groups.groups_of, regroup), strict=True))
        with_codes = [
            i
            for i in ids
            if wants(i, store.CONTACTS, store.POINTS) and _has_codes(found.get(i), known.get(i))
        ]
        referrers = dict(zip(with_codes, pool.map(points.referrer_of, with_codes), strict=True))
    screened = screening.summaries(ids)
    balances = points.balances(ids)
    tiers = membership.tiers(ids)
    rows = []
    for contact_id in ids:
        held = known.get(contact_id)
        summary = screened.get(contact_id)
        if contact_id in found:
            contact = found[contact_id]
            if contact is None:
                rows.append(Row(contact_id=contact_id, version=version, deleted=True))
                continue
            row = _contact_row(contact, version)
        elif held is not None:
            row = replace(held, version=version)
        else:  # a contact neither read nor known: nothing to say about it yet
            continue
        row.groups = member_of.get(contact_id, row.groups)
        row.referrer = referrers.get(contact_id, row.referrer)
        row.segment = summary.segment if summary else None
        row.high_value = bool(summary and summary.high_value)
        row.tier = tiers.get(contact_id)
        row.spend_cents = summary.spend_cents if summary else 0
        row.orders = summary.orders if summary else 0
        row.last_order_at = summary.last_order_at if summary else None
        row.points = balances.get(contact_id, 0)
        rows.append(row)
    return rows


def _has_codes(contact: Any, held: Row | None) -> bool:
    """Whether the contact came through a live code (a referral can only come that way)."""
    if contact is not None:
        return any(r.code for r in contact.relationships)
    return bool(held and held.codes)


def _contact_row(contact: Any, version: int) -> Row:
    """The contacts context's part of a row (the other contexts' parts are set after)."""
    active = sorted(
        (r for r in contact.relationships if r.status == "active"),
        key=lambda r: (r.added_at or 0, r.staff_userid),
    )
    return Row(
        contact_id=contact.external_userid,
        name=contact.name,
        gender=contact.gender,
        status="following" if contact.status == "active" else "lost",
        channel=contact.first_channel,
        codes=sorted({r.code for r in contact.relationships if r.code}),
        staff=[r.staff_userid for r in active],
        tags=sorted(contact.tag_ids),
        remarks="\n".join(r.remark for r in contact.relationships if r.remark),
        added_at=contact.first_added_at,
        phone_hashes=sorted({h for r in contact.relationships for h in r.phone_hashes}),
        version=version,
    )


def known_rows(engine: Engine, contact_ids: Sequence[str]) -> dict[str, Row]:
    """The live rows the engine holds for these ids (a refresh merges what changed into
    them)."""
    if not contact_ids:
        return {}
    records = engine.records(
        Sql(
            f"SELECT {', '.join(NAMES)} FROM contacts "
            "WHERE contact_id IN (SELECT unnest(?::VARCHAR[]))",
            [list(contact_ids)],  # type: ignore[list-item]
        )
    )
    rows = {}
    for record in records:
        values = {k: ([] if v is None and k in LISTS else v) for k, v in record.items()}
        rows[str(record["contact_id"])] = Row(**values)
    return rows


# --- files -----------------------------------------------------------------------------------


def new_key(kind: str) -> str:
    return (
        f"{PREFIX}{kind}/{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex}.parquet"
    )


def put_rows(rows: Iterable[Row], kind: str = "delta") -> str:
    """Write rows as one Parquet file under ``directory/<kind>/``; returns its key."""
    import pyarrow.parquet as pq

    key = new_key(kind)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rows.parquet"
        pq.write_table(to_arrow(rows), path, compression="zstd")
        aws_client("s3").upload_file(str(path), get_settings().reports_bucket, key)
    return key


# --- the lease -------------------------------------------------------------------------------


def _lease(now: int) -> str:
    """Hold the read model's writer lease, or :class:`Conflict` when another run holds it."""
    holder = uuid.uuid4().hex
    if not store.take_lease(holder, now, LEASE_S):
        raise Conflict("another refresh of the directory is running")
    return holder


def _release() -> None:
    store.release_lease()


# --- refresh and compaction ------------------------------------------------------------------


def refresh(
    now: int | None = None,
    loader: Callable[[Sequence[str], int], list[Row]] | None = None,
    engine: Engine | None = None,
) -> RefreshReport:
    """Fold the change log since the cursor into one delta. The default loader reads again
    only what changed of contacts the directory already holds (their rows taken from the
    warm engine); ``loader`` replaces it (tests)."""
    started = time.monotonic()
    now = int(time.time()) if now is None else now
    _lease(now)
    try:
        start = store.cursor()
        start = now - FIRST_LOOKBACK_S if start is None else max(start, now - LOOKBACK_S)
        changes = store.changes_since(start, now)
        ids = sorted(changes)
        manifest = Manifest.read()
        report = RefreshReport(changed=len(ids))
        if ids:
            if loader is None:
                engine = engine or get_engine()
                engine.current(manifest)
                known = known_rows(engine, ids)
                rows = load_rows(ids, int(time.time() * 1000), changes, known)
            else:
                rows = loader(ids, int(time.time() * 1000))
            manifest.deltas = [*manifest.deltas, put_rows(rows)]
        manifest.version += 1
        manifest.as_of = now
        manifest.write()
        store.save_cursor(now)
        report.deltas, report.as_of = len(manifest.deltas), now
    finally:
        _release()
    if len(manifest.deltas) >= MAX_DELTAS:
        compact(now)
    report.seconds = time.monotonic() - started
    logger.info("directory refreshed", extra={"changed": report.changed})
    return report


def compact(now: int | None = None, engine: Engine | None = None) -> Manifest:
    """Merge base and deltas into one new base (deleted contacts dropped)."""
    now = int(time.time()) if now is None else now
    _lease(now)
    try:
        manifest = Manifest.read()
        engine = engine or get_engine()
        engine.current(manifest)
        key = new_key("base")
        s3 = aws_client("s3")
        bucket = get_settings().reports_bucket
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "base.parquet"
            literal = str(path).replace("'", "''")
            with engine.lock:
                held = (engine.loaded_base, engine.loaded_deltas)
                [(rows,)] = engine.con.execute("SELECT count(*) FROM contacts").fetchall()
                engine.con.execute(
                    f"COPY (SELECT {', '.join(NAMES)} FROM contacts ORDER BY contact_id) "
                    f"TO '{literal}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"
                )
            s3.upload_file(str(path), bucket, key)
        for old in manifest.retired:
            s3.delete_object(Bucket=bucket, Key=old)
        replaced = [k for k in [manifest.base, *manifest.deltas] if k]
        manifest.base, manifest.deltas, manifest.retired = key, [], replaced
        manifest.rows = int(rows)
        manifest.version += 1
        manifest.write()
        with engine.lock:  # this engine holds the new base already: nothing to reload
            if (engine.loaded_base, engine.loaded_deltas) == held:
                engine.adopt(manifest)
    finally:
        _release()
    return manifest
