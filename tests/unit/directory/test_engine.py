"""The warm engine answers what the filter means whether a tag or staff condition reads the
bitmap columns (frequent values) or the lists (rare ones), before and after deltas are
applied to its table, and counts per channel and staff in the same pass."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.directory import engine as engine_module
from chalicelib.directory.columns import Row, to_arrow
from chalicelib.directory.compiler import EVERYONE, Scope
from chalicelib.directory.engine import Engine, Manifest
from chalicelib.directory.models import Filter
from tests.support.directory import matches

NOW = 1_800_000_000
#: More tags and staff than a bitmap has bits: the rarest are found in the lists.
TAGS = [f"et{n:03d}" for n in range(90)]
STAFF = [f"staff{n:02d}" for n in range(80)]


def _row(n: int, version: int = 1, **fields: Any) -> Row:
    tags = sorted({TAGS[(n * 7) % 90], TAGS[n % 11], TAGS[(n * n) % 90]})
    staff = sorted({STAFF[n % 80], STAFF[(n * 3) % 5]}) if n % 6 else []
    return Row(
        **{
            "contact_id": f"wm{n:04d}",
            "name": f"客户{n}",
            "channel": ["poster", "store", "ads", ""][n % 4],
            "tags": tags,
            "staff": staff,
            "spend_cents": n * 10,
            "version": version,
        }
        | fields
    )


BASE = [_row(n) for n in range(400)]
DELTA = [_row(n, version=2, tags=["et089"], staff=["staff79"]) for n in range(0, 400, 9)] + [
    _row(5, version=2, deleted=True),
    _row(9000, version=2),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    folder = tmp_path_factory.mktemp("engine")
    paths = {"base.parquet": folder / "base.parquet", "delta.parquet": folder / "delta.parquet"}
    pq.write_table(to_arrow(BASE), paths["base.parquet"])
    pq.write_table(to_arrow(DELTA), paths["delta.parquet"])
    yield paths


@pytest.fixture(scope="module")
def engines(files: dict[str, Path]) -> Iterator[tuple[Engine, Engine]]:
    """An engine on the base alone and one with the delta applied."""
    patch = pytest.MonkeyPatch()
    patch.setattr(engine_module, "local_copy", lambda key: files[key])
    base, both = Engine(), Engine()
    base.current(Manifest(base="base.parquet"))
    both.current(Manifest(base="base.parquet"))
    both.current(Manifest(base="base.parquet", deltas=["delta.parquet"]))
    base.checked_at = both.checked_at = float("inf")  # never read the (absent) bucket again
    yield base, both
    patch.undo()


def _current(rows_of: list[list[Row]]) -> list[Row]:
    newest: dict[str, Row] = {}
    for rows in rows_of:
        for r in rows:
            newest[r.contact_id] = r
    return list(newest.values())


SOME_TAGS = st.lists(st.sampled_from(TAGS), min_size=1, max_size=3)
SOME_STAFF = st.lists(st.sampled_from(STAFF), min_size=1, max_size=3)
filters = st.fixed_dictionaries(
    {},
    optional={
        "tags": st.fixed_dictionaries(
            {}, optional={"any_of": SOME_TAGS, "all_of": SOME_TAGS, "none_of": SOME_TAGS}
        ),
        "staff": SOME_STAFF,
        "channels": st.lists(st.sampled_from(["poster", "store", "ads"]), max_size=2),
    },
)
scopes = st.one_of(st.none(), st.frozensets(st.sampled_from(STAFF), max_size=4))


def test_frequent_values_have_bits_and_rare_ones_do_not(engines: tuple[Engine, Engine]) -> None:
    base, _ = engines
    assert len(base.bitmaps["tags"]) == 63 and len(base.bitmaps["staff"]) == 63
    frequency = Counter(t for r in BASE for t in r.tags)
    assert min(frequency[t] for t in base.bitmaps["tags"]) >= max(
        frequency[t] for t in TAGS if t not in base.bitmaps["tags"]
    )


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=filters, staff=scopes)
def test_counts_are_what_the_filter_means(
    engines: tuple[Engine, Engine], raw: dict[str, Any], staff: frozenset[str] | None
) -> None:
    try:
        filter_ = Filter.model_validate(raw)
    except ValueError:
        return
    scope = Scope(staff)
    for engine, rows in zip(engines, (BASE, _current([BASE, DELTA])), strict=True):
        expected = [r for r in rows if matches(r, filter_, scope, NOW)]
        answer = engine.count(filter_, scope, NOW)
        assert answer["count"] == len(expected)
        assert answer["by_channel"] == {
            k: v for k, v in Counter(r.channel for r in expected).items()
        }
        by_staff = Counter(s for r in expected for s in r.staff if staff is None or s in staff)
        assert answer["by_staff"] == dict(by_staff)
        page = engine.search(filter_, scope, NOW, sort="spend", order="desc", cursor=None, limit=5)
        assert page["total"] == len(expected)
        wanted = sorted(expected, key=lambda r: (r.spend_cents, r.contact_id), reverse=True)[:5]
        assert [i["contact_id"] for i in page["items"]] == [r.contact_id for r in wanted]


def test_a_delta_replaces_rows_and_a_deleted_row_removes_one(
    engines: tuple[Engine, Engine],
) -> None:
    _, both = engines
    assert both.count(Filter(), EVERYONE, NOW)["count"] == 400 - 1 + 1
    rare = Filter.model_validate({"tags": {"all_of": ["et089"]}, "staff": ["staff79"]})
    assert both.count(rare, EVERYONE, NOW)["count"] == len(range(0, 400, 9)) + 0
