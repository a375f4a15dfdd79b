"""The initial sync: pages of 100 through batch/get_by_user, resumable, by admin or CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.core.errors import Conflict
from chalicelib.handover import service
from tests.support.admin import bearer
from tests.support.fake_group_world import FakeGroupWorld


def staffed(world: FakeGroupWorld) -> None:
    world.follows["zhangsan"] = [f"wmZ{i:03d}" for i in range(150)]
    world.follows["lisi"] = [f"wmL{i:03d}" for i in range(30)]


def test_the_sync_pages_through_more_than_100_customers_and_resumes(
    world: FakeGroupWorld, upserts: list[tuple[str, str]]
) -> None:
    staffed(world)
    first = service.sync_contacts(["zhangsan", "lisi"], max_pages=1)
    assert first.more and first.progress.contacts_seen == 100
    assert (first.progress.done_staff, first.progress.cursor) == (0, "100")

    # A later call (another Lambda, the CLI) picks up the stored cursor.
    second = service.sync_contacts(["zhangsan", "lisi"], max_pages=1)
    assert not second.more
    assert second.progress.done_staff == 2 and second.progress.contacts_seen == 180
    assert len(upserts) == 180 and len(set(upserts)) == 180
    cursors = [d for p, d in world.calls if p == "externalcontact/batch/get_by_user"]
    assert len(cursors) == 2


def test_more_than_100_staff_are_read_100_userids_per_call(
    world: FakeGroupWorld, upserts: list[tuple[str, str]]
) -> None:
    staff = [f"user{i:03d}" for i in range(130)]
    for userid in staff:
        world.follows[userid] = [f"wm-{userid}"]
    run = service.sync_contacts(staff, max_pages=10)
    assert not run.more and run.progress.done_staff == 130 and run.total_staff == 130
    calls = [d["userids"] for p, d in world.calls if p == "externalcontact/batch/get_by_user"]
    assert [len(c) for c in calls] == [100, 30]
    assert len(upserts) == 130


def test_an_unfinished_sync_for_other_staff_is_a_conflict_unless_restarted(
    world: FakeGroupWorld, upserts: list[tuple[str, str]]
) -> None:
    staffed(world)
    service.sync_contacts(["zhangsan"], max_pages=1)
    with pytest.raises(Conflict):
        service.sync_contacts(["lisi"], max_pages=1)
    restarted = service.sync_contacts(["lisi"], max_pages=1, restart=True)
    assert not restarted.more and restarted.progress.contacts_seen == 30


def test_the_admin_route_runs_one_bounded_step(
    client: Any, world: FakeGroupWorld, upserts: list[tuple[str, str]]
) -> None:
    staffed(world)
    body = {"staff": ["zhangsan", "lisi"], "max_pages": 1}
    response = client.http.post(
        "/admin/sync/contacts",
        headers={**bearer("admin"), "Content-Type": "application/json"},
        body=json.dumps(body),
    )
    assert response.status_code == 200
    assert response.json_body["more"] is True
    assert response.json_body["progress"] == {
        "done_staff": 0,
        "contacts_seen": 100,
        "cursor": "100",
    }
    viewer = client.http.post(
        "/admin/sync/contacts",
        headers={**bearer("viewer"), "Content-Type": "application/json"},
        body=json.dumps(body),
    )
    assert viewer.status_code == 403
    assert client.http.post("/admin/sync/contacts", body="{}").status_code == 401


def test_the_cli_loops_until_done_printing_progress(
    world: FakeGroupWorld, upserts: list[tuple[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.__main__ import main

    staffed(world)
    assert main(["sync-contacts", "--staff", "zhangsan,lisi", "--pages-per-step", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == f"[{'#' * 30}] 2/2 staff  ·  180 contacts  done"
    assert lines[0].endswith("syncing") and "-" in lines[0]  # a bar part way
    assert not any(line.startswith("{") for line in lines)  # no log lines in between
    assert len(upserts) == 180
