"""DuckDB and pyarrow belong to the directory function only: never in the API package."""

from __future__ import annotations

import re

from tests.conftest import ROOT

ENGINE = ("duckdb", "pyarrow")


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text()
    return dict(re.findall(r"^([a-z0-9_.-]+)==(\S+)", text, flags=re.MULTILINE))


def test_the_api_package_has_no_query_engine() -> None:
    assert not set(ENGINE) & set(_pins("requirements.txt"))


def test_the_directory_function_and_the_tests_pin_the_same_engine() -> None:
    directory, dev = _pins("requirements-directory.txt"), _pins("requirements-dev.txt")
    for name in ENGINE:
        assert directory[name] == dev[name]
    assert "-r requirements.txt" in (ROOT / "requirements-directory.txt").read_text()
