"""A broadcast to a saved directory audience: a job resolves the audience when it is due
(never the API call), and the tick then makes exactly the sum over senders of
ceil(n / batch) add_msg_template calls, nobody twice, nobody outside the filter (read from
the WeCom simulator's call log)."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.broadcasts import planning
from chalicelib.directory.compiler import EVERYONE
from chalicelib.directory.models import Filter
from chalicelib.sop import tick
from tests.integration.sop.conftest import Sim, local
from tests.support.admin import bearer
from tests.support.directory import matches, put_base, row

SENDERS = ("zhangsan", "lisi", "wangwu")
#: Per call, made small so that a few hundred customers span several calls per sender.
BATCH = 40
FILTER = {"tags": {"any_of": ["etVIP"]}, "channels": ["poster", "store"]}


@pytest.fixture(autouse=True)
def _engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from chalicelib.directory.engine import reset_engine

    monkeypatch.setenv("DIRECTORY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setitem(tick.BATCH_SIZE, "private", BATCH)
    reset_engine()
    yield
    reset_engine()


def put(client: Any, path: str, body: Any) -> Any:
    return client.http.put(
        path,
        body=json.dumps(body),
        headers={"Content-Type": "application/json", **bearer("operator")},  # type: ignore[arg-type]
    )


def test_a_broadcast_to_a_saved_audience_makes_exactly_the_calls_it_needs(
    client: Any, sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.tags import store as tags

    tags.CorpTagItem.bound()(tags.CATALOGUE, tags.tag_sk("etVIP"), tag_id="etVIP").save()
    rows = [row(n, staff=[SENDERS[n % 3], SENDERS[(n + 1) % 3]][: 1 + n % 2]) for n in range(900)]
    put_base(rows)
    wanted = {
        r.contact_id: r for r in rows if matches(r, Filter.model_validate(FILTER), EVERYONE, 0)
    }
    for sender in SENDERS:
        sim.befriend(sender, [c for c, r in wanted.items() if sender in r.staff])
    assert (
        put(client, "/admin/audiences/vip-shoppers", {"name": "VIP", "filter": FILTER}).status_code
        == 200
    )
    monkeypatch.setattr(
        "chalicelib.directory.models.ID_PAGE", 100
    )  # several audience pages per run

    body = {
        "name": "Double 12",
        "audience": {"audience_id": "vip-shoppers"},
        "content": {"text": "VIP early access"},
        "send_at": local("2026-12-12 10:00"),
    }
    created = put(client, "/admin/broadcasts/vip-d12", body)
    assert created.status_code == 201, created.body
    assert (created.json_body["planning"], created.json_body["recipients"]) == ("waiting", 0)
    missing = put(client, "/admin/broadcasts/nobody", {**body, "audience": {"audience_id": "nope"}})
    assert missing.status_code == 404

    assert planning.plan_waiting(local("2026-12-12 09:55")) == 0  # not due: not evaluated
    assert tick.run(local("2026-12-12 09:55")).calls == 0
    assert planning.plan_waiting(local("2026-12-12 10:00"), budget_s=0) == 0  # one page, stops
    assert tick.run(local("2026-12-12 10:00")).calls == 0  # half planned: nothing goes out
    half = client.http.get("/admin/broadcasts/vip-d12", headers=bearer("viewer")).json_body
    assert (half["planning"], half["recipients"]) == ("planning", 100)
    assert planning.plan_waiting(local("2026-12-12 10:00")) == 1  # resumes where it stopped
    report = tick.run(local("2026-12-12 10:00"))

    calls = sim.mass_calls()
    per_sender = Counter(r.staff[0] for r in wanted.values())
    assert len(calls) == report.calls == sum(math.ceil(n / BATCH) for n in per_sender.values())
    recipients = [c for call in calls for c in call["external_userid"]]
    assert len(recipients) == len(set(recipients))  # nobody twice
    assert set(recipients) == set(wanted)  # everybody in the filter, nobody outside it
    for call in calls:
        assert all(call["sender"] in wanted[c].staff for c in call["external_userid"])
    assert tick.run(local("2026-12-12 10:05")).calls == 0  # sent once

    got = client.http.get("/admin/broadcasts/vip-d12", headers=bearer("viewer")).json_body
    assert (got["planning"], got["recipients"]) == ("planned", len(wanted))
    assert got["funnel"]["steps"][0]["targeted"] == len(wanted)


def test_a_segment_too_large_for_a_request_is_resolved_by_the_job(
    client: Any, sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import signals
    from chalicelib.broadcasts import service
    from chalicelib.contacts import service as contacts

    members = [f"wmSeg{n}" for n in range(5)]
    for contact in members:
        contacts.record_add(contact, "zhangsan", 1, "", f"add#{contact}")  # a known contact
        signals.publish(
            signals.SegmentChanged(
                effect_id=f"seg#{contact}",
                contact_id=contact,
                previous_segment=None,
                segment="big",
                high_value=True,
                score=0.9,
                at=1,
            )
        )
    sim.befriend("zhangsan", members)
    monkeypatch.setattr(service, "INLINE_MAX", 2)  # "large": more than a request reads
    monkeypatch.setattr(planning, "PAGE", 2)  # several pages per run
    body = {
        "name": "Big segment",
        "audience": {"segment": "big"},
        "content": {"text": "From {staff}"},
        "send_at": local("2026-12-12 10:00"),
    }
    created = put(client, "/admin/broadcasts/big", body)
    assert created.status_code == 201, created.body
    assert (created.json_body["planning"], created.json_body["recipients"]) == ("waiting", 0)
    assert planning.plan_waiting(local("2026-12-12 10:00")) == 1
    assert tick.run(local("2026-12-12 10:00")).calls == 1
    [call] = sim.mass_calls()
    assert sorted(call["external_userid"]) == members
    assert call["text"]["content"] == "From zhangsan"
    got = client.http.get("/admin/broadcasts/big", headers=bearer("viewer")).json_body
    assert (got["planning"], got["recipients"]) == ("planned", 5)
