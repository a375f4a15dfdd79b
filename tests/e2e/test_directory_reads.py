"""On DynamoDB Local (the real engine's key rules, unlike moto): the directory's refresh
reads contacts 50 to a request, and what it reads is exactly what one Query per contact
reads (profile and relationships, never the timeline; a contact that is gone is None)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from local_stack import LocalStack


@pytest.fixture
def app_env(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process speaks to the stack's tables, as the directory function does there."""
    from chalicelib.core.aws import reset_clients
    from chalicelib.core.settings import reset_settings

    for name, value in stack.config.app_env().items():
        monkeypatch.setenv(name, value)
    reset_settings()
    reset_clients()
    yield
    reset_settings()
    reset_clients()


def _seed(ids: list[str]) -> None:
    from chalicelib.contacts import store

    profile, rel = store.ProfileItem.bound(), store.RelationshipItem.bound()
    timeline = store.TimelineItem.bound()
    with profile.batch_write() as batch:
        for n, contact_id in enumerate(ids):
            pk = store.contact_pk(contact_id)
            batch.save(profile(pk, store.PROFILE, external_userid=contact_id, name=f"读{n}"))
            for staff in ("zhangsan", "lisi")[: 1 + n % 2]:
                batch.save(
                    rel(
                        pk,
                        store.rel_sk(staff),
                        external_userid=contact_id,
                        staff_userid=staff,
                        added_at=1_700_000_000 + n,
                        remark=f"r{n}",
                    )
                )
            batch.save(timeline(pk, f"tl#{n:04d}", kind="note", at=n))


def test_contacts_are_read_fifty_to_a_request_and_exactly(app_env: None) -> None:
    from chalicelib.contacts import queries
    from chalicelib.core.aws import client

    ids = [f"wmBulk{n:04d}" for n in range(120)]
    _seed(ids)
    calls: Counter[str] = Counter()

    def count(event_name: str, **_: Any) -> None:
        calls[event_name.rsplit(".", 1)[-1]] += 1

    events = client("dynamodb").meta.events
    events.register("before-call.dynamodb", count)
    try:
        found = queries.find_contacts([*ids, "wmBulkGone"])
    finally:
        events.unregister("before-call.dynamodb", count)
    assert calls["ExecuteStatement"] == 3  # 121 contacts, 50 to a statement
    assert found["wmBulkGone"] is None
    for contact_id in ids:
        assert found[contact_id] == queries.find_contact_at_once(contact_id)
    bulk = found["wmBulk0001"]
    assert bulk is not None and {r.staff_userid for r in bulk.relationships} == {"zhangsan", "lisi"}
