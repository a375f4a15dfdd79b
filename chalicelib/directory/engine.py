"""The query engine: DuckDB, embedded, over the Parquet files of the read model.

Runs in the directory function (and in-process on the local stack and in tests), never in
the API handler's package: ``duckdb`` is imported here only, on first use.

The files under ``directory/`` of the report bucket are immutable (a new name for every
write); ``directory/manifest.json`` names the current ones: one compacted ``base`` and the
``deltas`` folded since. A warm engine keeps one in-memory table, ``everyone``: the base
(loaded again only after a compaction) with each new delta applied to it once, when the
manifest names it (its ids' rows replaced by their newest). The relation ``contacts`` that
every compiled statement reads is that table minus deleted contacts.
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
    """One DuckDB connection and the current state of the read model, in memory.

    The base is loaded once (again only after a compaction); each new delta is then applied
    to the same table (its ids' older rows deleted, its live rows inserted), so a refresh
    costs the engine what changed and no statement joins base and deltas. While loading the
    base, each list column of :data:`compiler.BITMAP_COLUMNS` gets a bitmap column: one bit
    for each of its 63 most frequent values (tags, staff), which the compiled conditions
    test with one AND; rarer values are still found in the list itself.
    """

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
        #: The bit of each frequent value of a list column, fixed while a base is loaded.
        self.bitmaps: dict[str, dict[str, int]] = {}
        #: Totals of recent statements on the loaded files (a page after a count reuses it).
        self.totals: dict[tuple[Any, ...], int] = {}

    # --- keeping current ------------------------------------------------------------------

    def current(self, manifest: Manifest | None = None) -> Manifest:
        """Load what the manifest names, when it changed (at most every few seconds)."""
        with self.lock:
            fresh = time.monotonic() - self.checked_at < MANIFEST_MAX_AGE_S
            if manifest is None and fresh and self.loaded_deltas is not None:
                return self.manifest
            manifest = manifest or Manifest.read()
            self.checked_at = time.monotonic()
            held = self.loaded_deltas or ()
            extends = tuple(manifest.deltas[: len(held)]) == held
            if manifest.base != self.loaded_base or self.loaded_deltas is None or not extends:
                self._load_base(manifest.base)
            new = manifest.deltas[len(self.loaded_deltas or ()) :]
            if new:
                self._apply_deltas(new)
            self.manifest = manifest
            return manifest

    def adopt(self, manifest: Manifest) -> None:
        """Take ``manifest`` as loaded without reading anything: its base holds exactly the
        rows this engine holds (the compaction that wrote it read them from here)."""
        with self.lock:
            self.loaded_base, self.loaded_deltas = manifest.base, tuple(manifest.deltas)
            self.manifest = manifest
            self.checked_at = time.monotonic()

    def _bit_expr(self, column: str) -> tuple[str, list[Any]]:
        """A BIGINT with the bit of each value of the list ``column`` that has one, and its
        parameter (the frequent values as a list: nothing read from a file enters the text)."""
        values = list(self.bitmaps.get(column, {}))
        if not values:
            return "0::BIGINT", []
        return (
            f"coalesce(list_aggregate(list_transform({column}, lambda v: "
            "(1::BIGINT << (list_position(?::VARCHAR[], v) - 1)::BIGINT)), 'bit_or'), 0)::BIGINT",
            [values],
        )

    def _rest_expr(self, column: str) -> tuple[str, list[Any]]:
        """The values of the list ``column`` that have no bit, and its parameter."""
        values = list(self.bitmaps.get(column, {}))
        if not values:
            return column, []
        return f"list_filter({column}, lambda v: list_position(?::VARCHAR[], v) IS NULL)", [values]

    def _bits(self) -> tuple[str, list[Any]]:
        """Select-list items computing every bitmap (and rest) column of a row, and their
        parameters."""
        items, params = [], []
        for column, name in compiler.BITMAP_COLUMNS.items():
            expr, found = self._bit_expr(column)
            items.append(f"{expr} AS {name}")
            params.extend(found)
        for column, name in compiler.REST_COLUMNS.items():
            expr, found = self._rest_expr(column)
            items.append(f"{expr} AS {name}")
            params.extend(found)
        return ", ".join(items), params

    def _load_base(self, key: str | None) -> None:
        source = f"SELECT {EMPTY_TABLE} LIMIT 0"
        self.bitmaps = {}
        if key is not None:
            files = _files_sql([local_copy(key)])
            for column in compiler.BITMAP_COLUMNS:
                frequent = self.con.execute(
                    f"SELECT v FROM (SELECT unnest({column}) AS v FROM {files}) "
                    f"GROUP BY v ORDER BY count(*) DESC, v LIMIT {compiler.BITMAP_WIDTH}"
                ).fetchall()
                self.bitmaps[column] = {str(v): 1 << n for n, (v,) in enumerate(frequent)}
            source = f"SELECT {', '.join(NAMES)} FROM {files}"
        # Each distinct list's bits computed once (there are far fewer lists than rows),
        # then joined back to the rows by value.
        ctes, joins, picked, params = [], [], [], []
        for column, name in compiler.BITMAP_COLUMNS.items():
            expr, found = self._bit_expr(column)
            params.extend(found)
            rest = ""
            if column in compiler.REST_COLUMNS:
                rest_expr, rest_found = self._rest_expr(column)
                params.extend(rest_found)
                rest = f", {rest_expr} AS rest"
                picked.append(
                    f"coalesce(bits_{column}.rest, []::VARCHAR[]) "
                    f"AS {compiler.REST_COLUMNS[column]}"
                )
            ctes.append(
                f"bits_{column} AS (SELECT {column} AS list, {expr} AS bits{rest} "
                f"FROM (SELECT DISTINCT {column} FROM src))"
            )
            joins.append(
                f"LEFT JOIN bits_{column} ON src.{column} IS NOT DISTINCT FROM bits_{column}.list"
            )
            picked.append(f"coalesce(bits_{column}.bits, 0)::BIGINT AS {name}")
        self.con.execute(
            f"CREATE OR REPLACE TABLE everyone AS WITH src AS MATERIALIZED ({source}), "
            f"{', '.join(ctes)} SELECT src.*, {', '.join(picked)} FROM src {' '.join(joins)}",
            params,
        )
        self.con.execute(
            "CREATE OR REPLACE VIEW contacts AS "
            "SELECT *, rowid AS row_id FROM everyone WHERE NOT deleted"
        )
        self.loaded_base, self.loaded_deltas = key, ()
        self.totals.clear()

    def _apply_deltas(self, keys: Sequence[str]) -> None:
        """Fold delta files into the table: each id's newest row replaces what it held (a
        deleted row only removes)."""
        bits, params = self._bits()
        files = _files_sql([local_copy(k) for k in keys])
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE delta AS SELECT *, {bits} FROM ("
            f"SELECT {', '.join(NAMES)} FROM {files} "
            "QUALIFY row_number() OVER (PARTITION BY contact_id ORDER BY version DESC) = 1)",
            params,
        )
        self.con.execute("BEGIN TRANSACTION")  # the rows of a delta replace at once, or not at all
        try:
            self.con.execute(
                "DELETE FROM everyone WHERE contact_id IN (SELECT contact_id FROM delta)"
            )
            self.con.execute("INSERT INTO everyone BY NAME SELECT * FROM delta WHERE NOT deleted")
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise
        finally:
            self.con.execute("DROP TABLE IF EXISTS delta")
        self.loaded_deltas = (*(self.loaded_deltas or ()), *keys)
        self.totals.clear()

    # --- running statements -------------------------------------------------------------

    def rows(self, sql: Sql) -> list[tuple[Any, ...]]:
        with self.lock:
            return list(self.con.execute(sql.text, sql.params).fetchall())

    def total(self, sql: Sql) -> int:
        """``count(*)`` of ``sql``, remembered until the rows change (a page after the count
        of the same filter, as the console asks them, reuses it)."""
        key = (sql.text, *sql.params)
        with self.lock:
            if key not in self.totals:
                [(found,)] = self.rows(sql)
                self.totals[key] = int(found)
            if len(self.totals) > 256:
                self.totals = {key: self.totals[key]}
            return self.totals[key]

    def records(self, sql: Sql) -> list[dict[str, Any]]:
        with self.lock:
            cursor = self.con.execute(sql.text, sql.params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # --- what the directory answers -----------------------------------------------------

    def count(self, filter_: Filter, scope: Scope, now: int) -> dict[str, Any]:
        """The count, the 500 staff members and 200 channels with most matches (one pass)."""
        with self.lock:
            manifest = self.current()
            found = self.rows(compiler.counts(filter_, scope, now, self.bitmaps))
            channels = sorted(
                ((str(k or ""), int(n)) for kind, k, n in found if kind == "channel"),
                key=lambda kn: (-kn[1], kn[0]),
            )
            staff = sorted(
                ((str(k), int(n)) for kind, k, n in found if kind == "staff"),
                key=lambda kn: (-kn[1], kn[0]),
            )
            total = sum(n for _, n in channels)
            self.totals[self._total_key(filter_, scope, now)] = total
        return {
            "count": total,
            "by_staff": dict(staff[:500]),
            "by_channel": dict(channels[:200]),
            "as_of": manifest.as_of,
        }

    def _total_key(self, filter_: Filter, scope: Scope, now: int) -> tuple[Any, ...]:
        sql = compiler.count(filter_, scope, now, bitmaps=self.bitmaps)
        return (sql.text, *sql.params)

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
        after = None if cursor is None else Position.decode(cursor, key, order)
        with self.lock:  # positions hold between the two statements
            manifest = self.current()
            # The page's positions first (narrow columns), then those rows whole: a scan
            # of every wide column (lists, texts) for every match costs more than both.
            positions = self.rows(
                compiler.page(
                    filter_,
                    scope,
                    now,
                    sort=key,
                    order=order,
                    after=after,
                    limit=limit,
                    bitmaps=self.bitmaps,
                    columns="row_id",
                )
            )
            wanted = [int(p) for p, _ in positions]
            by_position = {r.pop("row_id"): r for r in self.records(compiler.rows_at(wanted, key))}
            found = [by_position[p] for p in wanted]
        next_cursor = None
        if len(found) > limit:
            found = found[:limit]
            last = found[-1]
            next_cursor = Position(key, order, int(last["sort_key"]), last["contact_id"]).encode()
        total = self.total(compiler.count(filter_, scope, now, bitmaps=self.bitmaps))
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
        found = self.rows(
            compiler.ids_page(filter_, scope, now, after=after, limit=limit, bitmaps=self.bitmaps)
        )
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
