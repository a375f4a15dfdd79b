"""The read model's row: one per contact, every filterable attribute, as plain data.

:data:`COLUMNS` is the one definition of the columns (name, DuckDB type, Arrow type name);
the Parquet files, the DuckDB view and the Athena table all follow it. pyarrow is imported
only inside :func:`arrow_schema` / :func:`to_arrow` (the directory function, never the API).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

#: (name, DuckDB / Athena type, Arrow type)
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("contact_id", "VARCHAR", "string"),
    ("name", "VARCHAR", "string"),
    ("gender", "INTEGER", "int32"),
    ("status", "VARCHAR", "string"),
    ("channel", "VARCHAR", "string"),
    ("codes", "VARCHAR[]", "list<string>"),
    ("staff", "VARCHAR[]", "list<string>"),
    ("tags", "VARCHAR[]", "list<string>"),
    ("remarks", "VARCHAR", "string"),
    ("search_text", "VARCHAR", "string"),
    ("added_at", "BIGINT", "int64"),
    ("segment", "VARCHAR", "string"),
    ("high_value", "BOOLEAN", "bool"),
    ("tier", "VARCHAR", "string"),
    ("spend_cents", "BIGINT", "int64"),
    ("orders", "BIGINT", "int64"),
    ("last_order_at", "BIGINT", "int64"),
    ("points", "BIGINT", "int64"),
    ("groups", "VARCHAR[]", "list<string>"),
    ("referrer", "VARCHAR", "string"),
    ("phone_hashes", "VARCHAR[]", "list<string>"),
    ("version", "BIGINT", "int64"),
    ("deleted", "BOOLEAN", "bool"),
)
NAMES = tuple(name for name, _, _ in COLUMNS)
#: The list columns (an empty list, never NULL, in a row).
LISTS = frozenset(name for name, kind, _ in COLUMNS if kind.endswith("[]"))


@dataclass
class Row:
    """A contact as the directory stores it. ``staff`` lists the active followers, the
    earliest add first (the first is who sends to them); ``deleted`` marks a contact the
    product no longer knows (it hides the older rows of the same id)."""

    contact_id: str
    name: str = ""
    gender: int = 0
    status: str = "following"
    channel: str = ""
    codes: list[str] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    remarks: str = ""
    search_text: str = ""
    added_at: int | None = None
    segment: str | None = None
    high_value: bool = False
    tier: str | None = None
    spend_cents: int = 0
    orders: int = 0
    last_order_at: int | None = None
    points: int = 0
    groups: list[str] = field(default_factory=list)
    referrer: str | None = None
    phone_hashes: list[str] = field(default_factory=list)
    version: int = 0
    deleted: bool = False

    def __post_init__(self) -> None:
        if not self.search_text:
            self.search_text = f"{self.name}\n{self.remarks}".lower()


def arrow_schema() -> Any:
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "int32": pa.int32(),
        "int64": pa.int64(),
        "bool": pa.bool_(),
        "list<string>": pa.list_(pa.string()),
    }
    return pa.schema([pa.field(name, types[kind]) for name, _, kind in COLUMNS])


def to_arrow(rows: Iterable[Row]) -> Any:
    """An Arrow table of ``rows`` (column-wise, in :data:`COLUMNS` order)."""
    import pyarrow as pa

    records = [asdict(row) for row in rows]
    data = {name: [record[name] for record in records] for name in NAMES}
    return pa.Table.from_pydict(data, schema=arrow_schema())


def from_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A row as the API answers it (lists as lists, status kept)."""
    return {name: record.get(name) for name in NAMES}


def to_strings(values: Sequence[Any] | None) -> list[str]:
    return [str(v) for v in values or ()]
