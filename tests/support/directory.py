"""The directory in tests: rows, a base file in the report bucket, and a plain-Python
reading of a filter to check the SQL against."""

from __future__ import annotations

from typing import Any

from chalicelib.directory.columns import Row
from chalicelib.directory.compiler import DAY_S, Scope
from chalicelib.directory.models import Filter, Range


def _within(value: int | None, bounds: Range | None) -> bool:
    if bounds is None:
        return True
    if value is None:
        return False
    return (bounds.min is None or value >= bounds.min) and (
        bounds.max is None or value <= bounds.max
    )


def matches(row: Row, f: Filter, scope: Scope, now: int) -> bool:
    """What the filter means, written without SQL."""
    if row.deleted:
        return False
    tags = set(row.tags)
    if f.tags is not None:
        if f.tags.any_of and not tags & set(f.tags.any_of):
            return False
        if f.tags.all_of and not set(f.tags.all_of) <= tags:
            return False
        if f.tags.none_of and tags & set(f.tags.none_of):
            return False
    if f.channels and row.channel not in f.channels:
        return False
    if f.codes and not set(row.codes) & set(f.codes):
        return False
    if f.staff and not set(row.staff) & set(f.staff):
        return False
    if scope.staff is not None and not set(row.staff) & scope.staff:
        return False
    if not _within(row.added_at, f.added):
        return False
    if f.status is not None and row.status != f.status:
        return False
    if f.segments and row.segment not in f.segments:
        return False
    if f.tiers and row.tier not in f.tiers:
        return False
    if not _within(row.spend_cents, f.spend_cents) or not _within(row.orders, f.orders):
        return False
    if f.last_order is not None:
        if f.last_order.within_days is not None:
            since = now - f.last_order.within_days * DAY_S
            if row.last_order_at is None or row.last_order_at < since:
                return False
        elif f.last_order.none_within_days is not None:
            since = now - f.last_order.none_within_days * DAY_S
            if row.last_order_at is not None and row.last_order_at >= since:
                return False
    if not _within(row.points, f.points):
        return False
    if f.groups and not set(row.groups) & set(f.groups):
        return False
    if f.referrer is not None and row.referrer != f.referrer:
        return False
    if f.gender is not None and row.gender != f.gender:
        return False
    if f.text is not None:
        return f.text.lower() in row.search_text
    return True


def put_base(rows: list[Row]) -> None:
    """Make ``rows`` the directory's whole content (a base file and a fresh manifest)."""
    from chalicelib.directory import readmodel
    from chalicelib.directory.engine import Manifest, reset_engine

    manifest = Manifest.read()
    manifest.base = readmodel.put_rows(rows, "base")
    manifest.deltas = []
    manifest.version += 1
    manifest.as_of = 1_700_000_000
    manifest.write()
    reset_engine()


def row(n: int, **fields: Any) -> Row:
    """A plausible customer number ``n``."""
    base: dict[str, Any] = {
        "contact_id": f"wm{n:06d}",
        "name": f"客户{n}",
        "staff": [("zhangsan", "lisi", "wangwu")[n % 3]],
        "channel": ("poster", "store", "ads")[n % 3],
        "tags": [t for t, every in (("etVIP", 2), ("etNew", 3), ("etBaby", 5)) if n % every == 0],
        "added_at": 1_700_000_000 + n * 60,
        "spend_cents": n * 100,
        "orders": n % 7,
        "version": 1,
    }
    return Row(**(base | fields))
