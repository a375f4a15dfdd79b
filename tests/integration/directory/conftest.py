"""Directory tier: moto's tables and bucket; the engine runs in-process (as on the local
stack) with its file cache in the test's own folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _directory_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from chalicelib.directory.engine import reset_engine

    monkeypatch.setenv("DIRECTORY_CACHE_DIR", str(tmp_path / "directory-cache"))
    monkeypatch.delenv("DIRECTORY_FUNCTION", raising=False)
    reset_engine()
    yield
    reset_engine()


@pytest.fixture
def catalogue(aws: None) -> None:
    """The corporate tags the filters of these tests name."""
    from chalicelib.tags import store

    model = store.CorpTagItem.bound()
    for tag_id in ("etVIP", "etNew", "etBaby"):
        model(store.CATALOGUE, store.tag_sk(tag_id), tag_id=tag_id, name=tag_id).save()
