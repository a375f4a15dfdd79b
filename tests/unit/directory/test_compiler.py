"""Filters compile to parameterised SQL in one place: hostile values never reach the SQL
text, and what DuckDB answers is what the filter means (checked against plain Python)."""

from __future__ import annotations

import re
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.directory import compiler
from chalicelib.directory.columns import COLUMNS, Row, to_arrow
from chalicelib.directory.compiler import EVERYONE, Position, Scope
from chalicelib.directory.models import Filter
from tests.support.directory import matches

NOW = 1_800_000_000
HOSTILE = st.sampled_from(
    [
        "'; DROP TABLE contacts; --",
        "' OR '1'='1",
        "\\'",
        '"',
        "%",
        "_",
        "?",
        "$1",
        "ARRAY[1]",
        "]",
        ")) OR TRUE --",
        "\u0000",
        "客户",
        "etVIP",
        "zhangsan",
        "poster",
    ]
)
TEXTS = st.one_of(HOSTILE, st.text(min_size=1, max_size=12))
IDS = st.lists(TEXTS, max_size=3)


def _rows() -> list[Row]:
    tags = ["etVIP", "etNew", "'; DROP TABLE contacts; --", "%"]
    rows = []
    for n in range(60):
        rows.append(
            Row(
                contact_id=f"wm{n:03d}",
                name=["客户", "O'Brien", "100%", "zhang_san", "?"][n % 5] + str(n),
                remarks="' OR '1'='1" if n % 7 == 0 else "",
                gender=n % 3,
                status="following" if n % 4 else "lost",
                channel=["poster", "store", "' OR '1'='1"][n % 3],
                codes=["c1"] if n % 2 else [],
                staff=[["zhangsan"], ["lisi"], ["zhangsan", "lisi"], []][n % 4],
                tags=[t for i, t in enumerate(tags) if n % (i + 2) == 0],
                added_at=None if n % 11 == 0 else 1_700_000_000 + n * 86_400,
                segment=[None, "loyal", "at_risk"][n % 3],
                tier=[None, "gold", "silver"][n % 3],
                spend_cents=n * 1000,
                orders=n % 6,
                last_order_at=None if n % 5 == 0 else NOW - n * 86_400,
                points=n * 10,
                groups=["wrA"] if n % 3 == 0 else [],
                referrer="wm001" if n % 9 == 0 else None,
                version=1,
                deleted=n == 59,
            )
        )
    return rows


ROWS = _rows()


@pytest.fixture(scope="module")
def con() -> Any:
    connection = duckdb.connect()
    connection.register("arrow_rows", to_arrow(ROWS))
    connection.execute("CREATE TABLE everyone AS SELECT * FROM arrow_rows")
    connection.execute("CREATE VIEW contacts AS SELECT * FROM everyone WHERE NOT deleted")
    return connection


def _ids(con: Any, sql: compiler.Sql) -> set[str]:
    text = sql.text.replace("SELECT count(*)", "SELECT contact_id")
    return {r[0] for r in con.execute(text, sql.params).fetchall()}


ranges = st.one_of(
    st.none(),
    st.builds(
        lambda a, b: {"min": min(a, b), "max": max(a, b)},
        st.integers(0, 70_000),
        st.integers(0, 70_000),
    ),
    st.builds(lambda a: {"min": a}, st.integers(0, 70_000)),
)
filters = st.fixed_dictionaries(
    {},
    optional={
        "tags": st.fixed_dictionaries({}, optional={"any_of": IDS, "all_of": IDS, "none_of": IDS}),
        "channels": IDS,
        "codes": IDS,
        "staff": IDS,
        "added": st.builds(
            lambda a, b: {"min": min(a, b), "max": max(a, b)},
            st.integers(1_699_000_000, 1_706_000_000),
            st.integers(1_699_000_000, 1_706_000_000),
        ),
        "status": st.sampled_from(["following", "lost"]),
        "segments": IDS,
        "tiers": st.lists(st.sampled_from(["gold", "silver", "'"]), max_size=2),
        "spend_cents": ranges,
        "orders": st.one_of(st.none(), st.builds(lambda a: {"max": a}, st.integers(0, 6))),
        "last_order": st.one_of(
            st.builds(lambda d: {"within_days": d}, st.integers(1, 80)),
            st.builds(lambda d: {"none_within_days": d}, st.integers(1, 80)),
        ),
        "points": ranges,
        "groups": IDS,
        "referrer": TEXTS,
        "gender": st.sampled_from([0, 1, 2]),
        "text": TEXTS.filter(lambda t: len(t) <= 64),
    },
)
scopes = st.one_of(
    st.just(EVERYONE),
    st.builds(lambda s: Scope(frozenset(s)), st.lists(TEXTS, max_size=2)),
)


def _shape(text: str) -> str:
    return re.sub(r"\?", "?", text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=filters, scope=scopes)
def test_duckdb_answers_what_the_filter_means_whatever_the_values(
    con: Any, raw: dict[str, Any], scope: Scope
) -> None:
    f = Filter.model_validate(raw)
    sql = compiler.count(f, scope, NOW)
    assert sql.text.count("?") == len(sql.params)
    expected = {r.contact_id for r in ROWS if matches(r, f, scope, NOW)}
    assert _ids(con, sql) == expected
    [(total,)] = con.execute(sql.text, sql.params).fetchall()
    assert total == len(expected)


def _relabel(value: Any, names: dict[str, str]) -> Any:
    """The same filter with every free string replaced by a harmless token (equal values
    keep equal tokens, so the filter's shape is unchanged)."""
    if isinstance(value, dict):
        return {k: v if k == "status" else _relabel(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_relabel(v, names) for v in value]
    if isinstance(value, str):
        return names.setdefault(value, f"v{len(names)}")
    return value


@settings(max_examples=300, deadline=None)
@given(raw=filters, scope=scopes, dialect=st.sampled_from(["duckdb", "athena"]))
def test_values_never_reach_the_sql_text(raw: dict[str, Any], scope: Scope, dialect: Any) -> None:
    """The text depends on the filter's shape only: the same filter with harmless values
    gives the very same text, and there is one placeholder per parameter."""
    names: dict[str, str] = {}
    f = Filter.model_validate(raw)
    tame = Filter.model_validate(_relabel(raw, names))
    tame_scope = (
        scope if scope.staff is None else Scope(frozenset(_relabel(sorted(scope.staff), names)))
    )
    for build in (compiler.count, compiler.count_by_staff, compiler.count_by_channel):
        sql = build(f, scope, NOW, dialect)
        assert sql.text.count("?") == len(sql.params)
        assert sql.text == build(tame, tame_scope, NOW, dialect).text


def test_athena_gets_the_same_conditions_in_its_own_functions() -> None:
    f = Filter.model_validate(
        {
            "tags": {"any_of": ["etVIP"], "all_of": ["etA", "etB"], "none_of": ["etX"]},
            "staff": ["zhangsan"],
            "channels": ["poster", "store"],
            "last_order": {"none_within_days": 30},
            "text": "O'Brien",
        }
    )
    athena = compiler.count(f, Scope(frozenset({"lisi"})), NOW, "athena")
    assert "arrays_overlap(tags, ARRAY[?])" in athena.text
    assert "cardinality(array_except(ARRAY[?, ?], tags)) = 0" in athena.text
    assert "NOT arrays_overlap(tags, ARRAY[?])" in athena.text
    assert "channel IN (?, ?)" in athena.text
    assert "list_has" not in athena.text
    duck = compiler.count(f, Scope(frozenset({"lisi"})), NOW, "duckdb")
    assert athena.params == duck.params
    assert compiler.athena_parameters(["O'Brien", 3, True]) == ["'O''Brien'", "3", "true"]
    staff = compiler.count_by_staff(f, EVERYONE, NOW, "athena")
    assert "CROSS JOIN UNNEST(staff) AS t(s)" in staff.text


def test_pages_follow_the_cursor_to_the_end_without_repeats(con: Any) -> None:
    f = Filter.model_validate({"status": "following"})
    for sort in ("added_at", "spend", "last_order"):
        for order in ("asc", "desc"):
            seen: list[str] = []
            after = None
            while True:
                sql = compiler.page(
                    f,
                    EVERYONE,
                    NOW,
                    sort=sort,
                    order=order,
                    after=after,
                    limit=7,  # type: ignore[arg-type]
                )
                rows = con.execute(sql.text, sql.params).fetchall()
                page, more = rows[:7], len(rows) > 7
                seen.extend(r[0] for r in page)
                if not more:
                    break
                after = Position(sort, order, int(page[-1][-1]), page[-1][0])  # type: ignore[arg-type]
                after = Position.decode(after.encode(), sort, order)  # type: ignore[arg-type]
            expected = [r for r in ROWS if matches(r, f, EVERYONE, NOW)]
            assert len(seen) == len(set(seen)) == len(expected)


@pytest.mark.parametrize(
    "cursor", ["", "not-base64!", "W10", "WyJzcGVuZCIsImRlc2MiLCJ4IiwiYSJd", "e30"]
)
def test_a_forged_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(compiler.InvalidCursor):
        Position.decode(cursor, "spend", "desc")


def test_a_cursor_of_another_order_is_refused() -> None:
    cursor = Position("spend", "desc", 5, "wm1").encode()
    with pytest.raises(compiler.InvalidCursor, match="another sort"):
        Position.decode(cursor, "added_at", "desc")


def test_the_columns_are_the_row_fields() -> None:
    assert [c[0] for c in COLUMNS] == list(Row.__dataclass_fields__)
