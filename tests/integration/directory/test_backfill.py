"""Contacts stored before the directory existed get into it with the backfill: every one
once, page by page, resuming where a run stopped (its time budget, a refresh holding the
lease), and a finished backfill does not start over unless asked."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from chalicelib.directory import backfill, readmodel
from chalicelib.directory.compiler import EVERYONE
from chalicelib.directory.engine import get_engine
from chalicelib.directory.models import Filter

CONTACTS = [f"wmOld{n:03d}" for n in range(23)]


@pytest.fixture
def stored(aws: None) -> list[str]:
    """Contacts as a sync stored them before the directory was deployed (no signal)."""
    from chalicelib.contacts import store

    profile, rel = store.ProfileItem.bound(), store.RelationshipItem.bound()
    for n, contact_id in enumerate(CONTACTS):
        pk = store.contact_pk(contact_id)
        profile(pk, store.PROFILE, external_userid=contact_id, name=f"老客{n}").save()
        rel(
            pk,
            store.rel_sk("zhangsan"),
            external_userid=contact_id,
            staff_userid="zhangsan",
            added_at=1_600_000_000 + n,
        ).save()
    return CONTACTS


def _count(raw: dict[str, object] | None = None) -> int:
    engine = get_engine()
    engine.checked_at = 0.0
    return int(engine.count(Filter.model_validate(raw or {}), EVERYONE, int(time.time()))["count"])


def _ticking(step: float) -> Iterator[float]:
    now = 0.0
    while True:
        yield now
        now += step


def test_every_stored_contact_gets_in_once_across_runs_that_resume(stored: list[str]) -> None:
    assert _count() == 0
    seen = 0
    runs = 0
    while True:
        clock = _ticking(1.0).__next__  # three clock readings a run, then out of time
        report = backfill.run(budget_s=3.0, chunk=4, page=5, clock=clock)
        runs += 1
        seen += report.contacts
        assert report.stopped_by in (None, "budget")
        if report.finished:
            break
        assert runs < 50
    assert runs > 1  # the budget stopped it, and the next run went on from its cursor
    assert seen == len(stored)
    assert _count() == len(stored)
    assert _count({"staff": ["zhangsan"], "text": "老客7"}) == 1
    assert get_engine().manifest.deltas == []  # the finished backfill compacted

    assert backfill.run().contacts == 0  # finished: nothing is read again
    assert backfill.run(again=True).contacts == len(stored)
    assert _count() == len(stored)


def test_a_run_meeting_a_refresh_stops_and_the_next_resumes(stored: list[str]) -> None:
    readmodel._lease(int(time.time()))
    report = backfill.run(chunk=10, page=7)
    assert report.stopped_by == "lease" and report.contacts == 0
    readmodel._release()
    report = backfill.run(chunk=10, page=7)
    assert report.finished and report.contacts == len(stored)
    assert _count() == len(stored)


def test_the_command_prints_its_report(
    stored: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert backfill.main(["--budget-s", "60"]) == 0
    assert '"finished": true' in capsys.readouterr().out
    assert _count() == len(stored)
