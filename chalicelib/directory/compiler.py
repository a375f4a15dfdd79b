"""Directory filters compiled to parameterised SQL, in one place, for DuckDB and Athena.

Nothing from the request is ever spliced into the SQL text: every value becomes a ``?``
placeholder with its value in ``params`` (lists become one placeholder per element), and
the SQL text is chosen from constants here by the filter's *shape* only. Column names,
sort keys and directions come from closed sets (:mod:`chalicelib.directory.models`
validates them as literals). ``tests/unit/directory/test_compiler.py`` feeds hostile
values through both dialects and checks the text never changes with the values.

Both dialects read one relation named ``contacts`` with the columns of
:data:`chalicelib.directory.columns.COLUMNS` (DuckDB: a view over the Parquet files of the
read model; Athena: a view over the same files in the Glue catalogue).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from chalicelib.core.errors import BadRequest

if TYPE_CHECKING:
    from chalicelib.directory.models import Filter, Range, Sort

Dialect = Literal["duckdb", "athena"]
Param = str | int | bool
DAY_S = 86_400

#: Sort key expressions: NULLs sort as 0 so that a keyset cursor is one comparison.
SORT_KEYS: dict[str, str] = {
    "added_at": "coalesce(added_at, 0)",
    "spend": "spend_cents",
    "last_order": "coalesce(last_order_at, 0)",
}
#: What a page shows (every column of the row the API answers with).
ROW_COLUMNS = (
    "contact_id, name, gender, status, channel, codes, staff, tags, remarks, added_at, "
    "segment, high_value, tier, spend_cents, orders, last_order_at, points, groups, "
    "referrer, phone_hashes"
)


class InvalidCursor(BadRequest):
    code = "invalid_cursor"


@dataclass(frozen=True)
class Scope:
    """What the requester may see: ``staff`` None is everyone; otherwise only customers
    followed by one of these staff userids (a data scope injected by the route)."""

    staff: frozenset[str] | None = None

    @property
    def unrestricted(self) -> bool:
        return self.staff is None


EVERYONE = Scope()


@dataclass
class Sql:
    """SQL text with ``?`` placeholders and their values, in order."""

    text: str
    params: list[Param] = field(default_factory=list)


#: Per list column, the bit of each of its most frequent values (``tags`` -> ``tag_bits``):
#: the engine's warm table keeps one BIGINT per row with those bits set, so "has any / all /
#: none of" these values is one AND on an integer instead of a search through a list.
Bitmaps = Mapping[str, Mapping[str, int]]
BITMAP_COLUMNS = {"tags": "tag_bits", "staff": "staff_bits"}
#: The values of a list column that have no bit (the engine's table keeps them for staff).
REST_COLUMNS = {"staff": "staff_rest"}
#: Bits per bitmap column (a signed BIGINT; the sign bit is left alone).
BITMAP_WIDTH = 63


@dataclass
class _Where:
    dialect: Dialect
    bitmaps: Bitmaps | None = None
    parts: list[str] = field(default_factory=list)
    params: list[Param] = field(default_factory=list)

    def _mask(self, column: str, values: Sequence[str]) -> int | None:
        """The bits of ``values`` when every one of them has a bit (DuckDB only)."""
        bits = (self.bitmaps or {}).get(column) if self.dialect == "duckdb" else None
        if not bits or column not in BITMAP_COLUMNS or any(v not in bits for v in values):
            return None
        mask = 0
        for value in values:
            mask |= bits[value]
        return mask

    def add(self, text: str, *values: Param) -> None:
        self.parts.append(text)
        self.params.extend(values)

    def array(self, values: Sequence[str]) -> str:
        """An array literal of placeholders; the values go to ``params``."""
        marks = ", ".join("?" for _ in values)
        self.params.extend(values)
        return f"[{marks}]" if self.dialect == "duckdb" else f"ARRAY[{marks}]"

    def any_of(self, column: str, values: Sequence[str]) -> None:
        mask = self._mask(column, values)
        if mask is not None:
            self.add(f"({BITMAP_COLUMNS[column]} & ?) <> 0", mask)
        elif self.dialect == "duckdb":
            self.parts.append(f"list_has_any({column}, {self.array(values)})")
        else:
            self.parts.append(f"arrays_overlap({column}, {self.array(values)})")

    def all_of(self, column: str, values: Sequence[str]) -> None:
        mask = self._mask(column, values)
        if mask is not None:
            self.add(f"({BITMAP_COLUMNS[column]} & ?) = ?", mask, mask)
        elif self.dialect == "duckdb":
            self.parts.append(f"list_has_all({column}, {self.array(values)})")
        else:
            self.parts.append(f"cardinality(array_except({self.array(values)}, {column})) = 0")

    def none_of(self, column: str, values: Sequence[str]) -> None:
        mask = self._mask(column, values)
        if mask is not None:
            self.add(f"({BITMAP_COLUMNS[column]} & ?) = 0", mask)
        elif self.dialect == "duckdb":
            self.parts.append(f"NOT list_has_any({column}, {self.array(values)})")
        else:
            self.parts.append(f"NOT arrays_overlap({column}, {self.array(values)})")

    def one_of(self, column: str, values: Sequence[str]) -> None:
        marks = ", ".join("?" for _ in values)
        self.add(f"{column} IN ({marks})", *values)

    def between(self, column: str, bounds: Range | None) -> None:
        if bounds is None:
            return
        if bounds.min is not None:
            self.add(f"{column} >= ?", bounds.min)
        if bounds.max is not None:
            self.add(f"{column} <= ?", bounds.max)

    def text(self) -> str:
        return " AND ".join(f"({part})" for part in self.parts) if self.parts else "TRUE"


def _unique(values: Sequence[str]) -> list[str]:
    return sorted(set(values))


def where(
    filter_: Filter,
    scope: Scope,
    now: int,
    dialect: Dialect = "duckdb",
    bitmaps: Bitmaps | None = None,
) -> Sql:
    """The WHERE condition of ``filter_`` restricted to ``scope``, as of epoch second ``now``
    (for "last order within N days"). With ``bitmaps`` (the engine's), a list condition
    whose values all have a bit reads the bitmap column instead of the list."""
    w = _Where(dialect, bitmaps)
    if filter_.tags is not None:
        if filter_.tags.any_of:
            w.any_of("tags", _unique(filter_.tags.any_of))
        if filter_.tags.all_of:
            w.all_of("tags", _unique(filter_.tags.all_of))
        if filter_.tags.none_of:
            w.none_of("tags", _unique(filter_.tags.none_of))
    if filter_.channels:
        w.one_of("channel", _unique(filter_.channels))
    if filter_.codes:
        w.any_of("codes", _unique(filter_.codes))
    if filter_.staff:
        w.any_of("staff", _unique(filter_.staff))
    if scope.staff is not None:
        if not scope.staff:
            w.add("FALSE")
        else:
            w.any_of("staff", sorted(scope.staff))
    w.between("added_at", filter_.added)
    if filter_.status is not None:
        w.add("status = ?", filter_.status)
    if filter_.segments:
        w.one_of("segment", _unique(filter_.segments))
    if filter_.tiers:
        w.one_of("tier", _unique(filter_.tiers))
    w.between("spend_cents", filter_.spend_cents)
    w.between("orders", filter_.orders)
    if filter_.last_order is not None:
        if filter_.last_order.within_days is not None:
            w.add("last_order_at >= ?", now - filter_.last_order.within_days * DAY_S)
        elif filter_.last_order.none_within_days is not None:
            since = now - filter_.last_order.none_within_days * DAY_S
            w.add("last_order_at IS NULL OR last_order_at < ?", since)
    w.between("points", filter_.points)
    if filter_.groups:
        w.any_of("groups", _unique(filter_.groups))
    if filter_.referrer is not None:
        w.add("referrer = ?", filter_.referrer)
    if filter_.gender is not None:
        w.add("gender = ?", filter_.gender)
    if filter_.text is not None:
        w.add("strpos(search_text, ?) > 0", filter_.text.lower())
    return Sql(w.text(), w.params)


# --- the statements ------------------------------------------------------------------------


def count(
    filter_: Filter,
    scope: Scope,
    now: int,
    dialect: Dialect = "duckdb",
    bitmaps: Bitmaps | None = None,
) -> Sql:
    condition = where(filter_, scope, now, dialect, bitmaps)
    return Sql(f"SELECT count(*) FROM contacts WHERE {condition.text}", condition.params)


def counts(filter_: Filter, scope: Scope, now: int, bitmaps: Bitmaps | None = None) -> Sql:
    """The count, per channel and per staff member in one pass over the rows (the engine's
    table): the matching rows grouped once by channel and followers, the followers as their
    bits and the list of those without a bit (``staff_rest``, empty for nearly every row:
    grouping on a number is what makes this cheap), then summed both ways, the bits turned
    back into staff userids. Rows are ``(kind, key, n)`` with kind ``channel`` or
    ``staff``; the total is the channels' sum."""
    condition = where(filter_, scope, now, "duckdb", bitmaps)
    staff_bits = (bitmaps or {}).get("staff", {})
    in_bit_order = sorted(staff_bits, key=lambda v: staff_bits[v])
    params: list[Param] = [*condition.params, in_bit_order]  # type: ignore[list-item]
    only = ""
    if scope.staff:
        only = " WHERE s IN (" + ", ".join("?" for _ in scope.staff) + ")"
        params.extend(sorted(scope.staff))
    return Sql(
        "WITH matched AS MATERIALIZED (SELECT channel, staff_bits, staff_rest, count(*) AS n "
        f"FROM contacts WHERE {condition.text} GROUP BY channel, staff_bits, staff_rest), "
        "followed AS (SELECT n, list_concat(list_filter(?::VARCHAR[], "
        "lambda v, i: ((staff_bits >> (i - 1)::BIGINT) & 1) = 1), staff_rest) AS staff "
        "FROM matched) "
        "SELECT 'channel' AS kind, channel AS key, sum(n) AS n FROM matched GROUP BY channel "
        "UNION ALL SELECT 'staff', s, sum(n) FROM followed CROSS JOIN UNNEST(staff) AS t(s)"
        f"{only} GROUP BY s",
        params,
    )


def count_by_channel(filter_: Filter, scope: Scope, now: int, dialect: Dialect = "duckdb") -> Sql:
    condition = where(filter_, scope, now, dialect)
    return Sql(
        f"SELECT channel, count(*) AS n FROM contacts WHERE {condition.text} "
        "GROUP BY channel ORDER BY n DESC, channel LIMIT 200",
        condition.params,
    )


def count_by_staff(filter_: Filter, scope: Scope, now: int, dialect: Dialect = "duckdb") -> Sql:
    """Per staff member following the matching customers (a customer followed by two staff
    counts for each); within a scope, only the staff of the scope."""
    condition = where(filter_, scope, now, dialect)
    params = list(condition.params)
    only = ""
    if scope.staff:
        only = " AND s IN (" + ", ".join("?" for _ in scope.staff) + ")"
        params.extend(sorted(scope.staff))
    return Sql(
        "SELECT s AS staff_userid, count(*) AS n FROM contacts CROSS JOIN UNNEST(staff) AS t(s) "
        f"WHERE {condition.text}{only} GROUP BY s ORDER BY n DESC, s LIMIT 500",
        params,
    )


@dataclass(frozen=True)
class Position:
    """Where a page starts: after the row with this sort value and contact id."""

    sort: Sort
    order: str
    value: int
    contact_id: str

    def encode(self) -> str:
        raw = json.dumps([self.sort, self.order, self.value, self.contact_id]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str, sort: Sort, order: str) -> Position:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode()))
            got_sort, got_order, value, contact_id = data
        except (ValueError, TypeError, binascii.Error) as error:
            raise InvalidCursor("the cursor is not one this API gave") from error
        if (got_sort, got_order) != (sort, order):
            raise InvalidCursor("the cursor belongs to another sort order; start again")
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidCursor("the cursor is not one this API gave")
        if not isinstance(contact_id, str) or not 0 < len(contact_id) <= 128:
            raise InvalidCursor("the cursor is not one this API gave")
        return cls(sort, order, value, contact_id)


def page(
    filter_: Filter,
    scope: Scope,
    now: int,
    *,
    sort: Sort,
    order: str,
    after: Position | None,
    limit: int,
    dialect: Dialect = "duckdb",
    bitmaps: Bitmaps | None = None,
    columns: str = ROW_COLUMNS,
) -> Sql:
    """One page of rows, keyset-paginated on (sort key, contact id); ``limit + 1`` rows are
    asked for so the caller knows whether another page follows. ``columns`` narrower than
    the row's (the engine asks for positions first, then reads those rows whole)."""
    if sort not in SORT_KEYS or order not in ("asc", "desc"):
        raise BadRequest("unknown sort order")
    condition = where(filter_, scope, now, dialect, bitmaps)
    key = SORT_KEYS[sort]
    params = list(condition.params)
    text = condition.text
    direction = "DESC" if order == "desc" else "ASC"
    if after is not None:
        beyond = "<" if order == "desc" else ">"
        text += f" AND ({key} {beyond} ? OR ({key} = ? AND contact_id {beyond} ?))"
        params.extend([after.value, after.value, after.contact_id])
    params.append(int(limit) + 1)
    return Sql(
        f"SELECT {columns}, {key} AS sort_key FROM contacts WHERE {text} "
        f"ORDER BY sort_key {direction}, contact_id {direction} LIMIT ?",
        params,
    )


def rows_at(positions: Sequence[int], sort: Sort) -> Sql:
    """The whole rows at these positions of the engine's table (DuckDB), with their sort
    key: the second step of a page, reading the wide columns of those rows only."""
    return Sql(
        f"SELECT {ROW_COLUMNS}, {SORT_KEYS[sort]} AS sort_key, row_id FROM contacts "
        "WHERE row_id = ANY(?::BIGINT[])",
        [list(positions)],  # type: ignore[list-item]
    )


def ids_page(
    filter_: Filter,
    scope: Scope,
    now: int,
    *,
    after: str | None,
    limit: int,
    dialect: Dialect = "duckdb",
    bitmaps: Bitmaps | None = None,
) -> Sql:
    """Contact ids and followers in id order (jobs page through an audience with this)."""
    condition = where(filter_, scope, now, dialect, bitmaps)
    params = list(condition.params)
    text = condition.text
    if after is not None:
        text += " AND contact_id > ?"
        params.append(after)
    params.append(int(limit))
    return Sql(
        f"SELECT contact_id, staff FROM contacts WHERE {text} ORDER BY contact_id LIMIT ?",
        params,
    )


def athena_parameters(params: Sequence[Param]) -> list[str]:
    """``ExecutionParameters`` of Athena's ``StartQueryExecution``: each value as a SQL
    literal (Athena substitutes them in order; strings are quoted, quotes doubled)."""
    rendered = []
    for value in params:
        if isinstance(value, bool):
            rendered.append("true" if value else "false")
        elif isinstance(value, int):
            rendered.append(str(int(value)))
        else:
            rendered.append("'" + str(value).replace("'", "''") + "'")
    return rendered
