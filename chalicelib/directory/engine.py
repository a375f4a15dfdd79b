"""The query engine: DuckDB, embedded, over the Parquet files of the read model.

Runs in the directory function (and in-process on the local stack and in tests), never in
the API handler's package: ``duckdb`` is imported here only, on first use.

The files under ``directory/`` of the report bucket are immutable (a new name for every
write); ``directory/manifest.json`` names the current ones: one compacted ``base`` and the
``deltas`` folded since. A warm engine keeps the base as an in-memory table (reloaded only
after a compaction) and the deltas as a small table (reloaded when the manifest changes);
the relation ``contacts`` that every compiled statement reads is the base without the ids a
delta rewrote, plus each id's newest delta row, minus deleted contacts.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from chalicelib.core.aws import client as aws_client
from chalicelib.core.errors import BadRequest
from chalicelib.core.settings import get_settings
from chalicelib.directory import compiler
from chalicelib.directory.columns import COLUMNS, NAMES
from chalicelib.directory.compiler import Position, Scope, Sql
from chalicelib.directory.models import Filter, Sort

PREFIX = "directory/"
MANIFEST = f"{PREFIX}manifest.json"
#: How long a warm engine trusts the manifest it read before reading it again.
MANIFEST_MAX_AGE_S = 5.0
EMPTY_TABLE = ", ".join(f"NULL::{kind} AS {name}" for name, kind, _ in COLUMNS)


@dataclass
class Manifest:
    version: int = 0
    as_of: int | None = None
    base: str | None = None
    deltas: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    rows: int = 0

    @classmethod
    def read(cls) -> Manifest:
        s3 = aws_client("s3")
        try:
            answer = s3.get_object(Bucket=get_settings().reports_bucket, Key=MANIFEST)
        except s3.exceptions.NoSuchKey:
            return cls()
        data = json.loads(answer["Body"].read())
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def write(self) -> None:
        aws_client("s3").put_object(
            Bucket=get_settings().reports_bucket,
            Key=MANIFEST,
            Body=json.dumps(self.__dict__).encode(),
            ContentType="application/json",
        )


def cache_dir() -> Path:
    path = Path(os.environ.get("DIRECTORY_CACHE_DIR", "/tmp/scrm-directory"))  # noqa: S108
    path.mkdir(parents=True, exist_ok=True)
    return path


def local_copy(key: str) -> Path:
    """The file ``key`` of the report bucket on local disk (downloaded once: keys are
    immutable)."""
    bucket = get_settings().reports_bucket
    target = cache_dir() / bucket / key
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
        aws_client("s3").download_file(bucket, key, str(partial))
        partial.replace(target)
    return target


def _files_sql(paths: Sequence[Path]) -> str:
    """A read_parquet list of local paths (our own file names, never request input)."""
    quoted = ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths)
    return f"read_parquet([{quoted}])"


class Engine:
    """One DuckDB connection and the tables of the current manifest."""

    def __init__(self, threads: int | None = None) -> None:
        import duckdb

        self.con = duckdb.connect(":memory:")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.lock = threading.RLock()
        self.manifest = Manifest()
        self.loaded_base: str | None = "unloaded"
        self.loaded_deltas: tuple[str, ...] | None = None
        self.checked_at = 0.0

    # --- keeping current ------------------------------------------------------------------

    def current(self, manifest: Manifest | None = None) -> Manifest:
        """Load what the manifest names, when it changed (at most every few seconds)."""
        with self.lock:
            fresh = time.monotonic() - self.checked_at < MANIFEST_MAX_AGE_S
            if manifest is None and fresh and self.loaded_deltas is not None:
                return self.manifest
            manifest = manifest or Manifest.read()
            self.checked_at = time.monotonic()
            if manifest.base != self.loaded_base:
                self._load_base(manifest.base)
            if tuple(manifest.deltas) != self.loaded_deltas:
                self._load_deltas(manifest.deltas)
            self.manifest = manifest
            return manifest

    def _load_base(self, key: str | None) -> None:
        source = f"SELECT {EMPTY_TABLE} LIMIT 0"
        if key is not None:
            source = f"SELECT {', '.join(NAMES)} FROM {_files_sql([local_copy(key)])}"
        self.con.execute(f"CREATE OR REPLACE TABLE base AS {source}")
        self.loaded_base = key

    def _load_deltas(self, keys: Sequence[str]) -> None:
        source = f"SELECT {EMPTY_TABLE} LIMIT 0"
        if keys:
            source = (
                f"SELECT {', '.join(NAMES)} FROM {_files_sql([local_copy(k) for k in keys])} "
                "QUALIFY row_number() OVER (PARTITION BY contact_id ORDER BY version DESC) = 1"
            )
        self.con.execute(f"CREATE OR REPLACE TABLE delta AS {source}")
        self.con.execute(
            "CREATE OR REPLACE VIEW everyone AS "
            "SELECT * FROM base WHERE contact_id NOT IN (SELECT contact_id FROM delta) "
            "UNION ALL SELECT * FROM delta"
        )
        self.con.execute(
            "CREATE OR REPLACE VIEW contacts AS SELECT * FROM everyone WHERE NOT deleted"
        )
        self.loaded_deltas = tuple(keys)

    # --- running statements -------------------------------------------------------------

    def rows(self, sql: Sql) -> list[tuple[Any, ...]]:
        with self.lock:
            return list(self.con.execute(sql.text, sql.params).fetchall())

    def records(self, sql: Sql) -> list[dict[str, Any]]:
        with self.lock:
            cursor = self.con.execute(sql.text, sql.params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # --- what the directory answers -----------------------------------------------------

    def count(self, filter_: Filter, scope: Scope, now: int) -> dict[str, Any]:
        manifest = self.current()
        [(total,)] = self.rows(compiler.count(filter_, scope, now))
        by_staff = dict(self.rows(compiler.count_by_staff(filter_, scope, now)))
        by_channel = dict(self.rows(compiler.count_by_channel(filter_, scope, now)))
        return {
            "count": int(total),
            "by_staff": {str(k): int(v) for k, v in by_staff.items()},
            "by_channel": {str(k or ""): int(v) for k, v in by_channel.items()},
            "as_of": manifest.as_of,
        }

    def search(
        self,
        filter_: Filter,
        scope: Scope,
        now: int,
        *,
        sort: str,
        order: str,
        cursor: str | None,
        limit: int,
    ) -> dict[str, Any]:
        if sort not in compiler.SORT_KEYS or order not in ("asc", "desc"):
            raise BadRequest("sort is added_at, spend or last_order; order is asc or desc")
        key = cast(Sort, sort)
        manifest = self.current()
        after = None if cursor is None else Position.decode(cursor, key, order)
        found = self.records(
            compiler.page(filter_, scope, now, sort=key, order=order, after=after, limit=limit)
        )
        next_cursor = None
        if len(found) > limit:
            found = found[:limit]
            last = found[-1]
            next_cursor = Position(key, order, int(last["sort_key"]), last["contact_id"]).encode()
        [(total,)] = self.rows(compiler.count(filter_, scope, now))
        for record in found:
            record.pop("sort_key", None)
        return {
            "items": found,
            "next_cursor": next_cursor,
            "total": int(total),
            "as_of": manifest.as_of,
        }

    def ids(
        self, filter_: Filter, scope: Scope, now: int, *, after: str | None, limit: int
    ) -> dict[str, Any]:
        manifest = self.current()
        found = self.rows(compiler.ids_page(filter_, scope, now, after=after, limit=limit))
        members = [[str(contact_id), list(staff or [])] for contact_id, staff in found]
        return {
            "members": members,
            "next": members[-1][0] if len(members) == limit else None,
            "as_of": manifest.as_of,
        }


_engine: Engine | None = None
_creating = threading.Lock()


def get_engine() -> Engine:
    global _engine
    with _creating:
        if _engine is None:
            _engine = Engine()
        return _engine


def reset_engine() -> None:
    """Forget the warm engine (tests switch buckets)."""
    global _engine
    with _creating:
        _engine = None
