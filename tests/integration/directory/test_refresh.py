"""The read model follows the domain: a contact added, edited, deleted, an order, a group
join reach the directory through the change log and one refresh, which reads only the
contacts that changed; compaction keeps the answers."""

from __future__ import annotations

import time
from typing import Any

import pytest

from chalicelib import signals
from chalicelib.directory import handlers, readmodel, store
from chalicelib.directory.compiler import EVERYONE
from chalicelib.directory.engine import get_engine
from chalicelib.directory.models import Filter
from tests.support.directory import put_base, row
from tests.support.fake_wecom_api import FakeWeComApi, contact_event_xml, dispatch_again


def _count(raw: dict[str, Any]) -> int:
    engine = get_engine()
    engine.checked_at = 0.0  # read the manifest again now
    return int(engine.count(Filter.model_validate(raw), EVERYONE, int(time.time()))["count"])


def test_changes_reach_the_directory_in_one_refresh_that_reads_only_them(
    wecom: FakeWeComApi,
) -> None:
    put_base([row(n) for n in range(50)])
    wecom.customer("wmNew1", name="Lin")
    wecom.follow("wmNew1", "zhaoliu", createtime=1_700_000_100, remark="VIP from fair")
    dispatch_again(contact_event_xml("add_external_contact", "wmNew1", "zhaoliu"))
    signals.publish(
        signals.OrderChanged(
            effect_id="o1",
            order_key="shop:1",
            contact_id="wmNew1",
            status="paid",
            previous_status=None,
            amount_cents=88_800,
            refunded_cents=0,
            currency="CNY",
            ordered_at=int(time.time()) - 3600,
            at=int(time.time()),
            first_order=True,
        )
    )
    signals.publish(
        signals.GroupMembersChanged(
            effect_id="g1", chat_id="wrFans", member_ids=("wm000003",), at=int(time.time())
        )
    )

    assert _count({"staff": ["zhaoliu"]}) == 0  # not folded yet
    report = readmodel.refresh()
    assert report.changed == 2  # the new contact and the group member, nothing else
    assert _count({"staff": ["zhaoliu"], "text": "fair"}) == 1
    assert _count({"spend_cents": {"min": 88_800}, "last_order": {"within_days": 1}}) == 1
    assert get_engine().manifest.as_of == report.as_of

    wecom.unfollow("wmNew1", "zhaoliu")
    dispatch_again(
        contact_event_xml("del_follow_user", "wmNew1", "zhaoliu", create_time=int(time.time()))
    )
    readmodel.refresh()
    assert _count({"status": "lost", "text": "lin"}) == 1
    assert _count({"staff": ["zhaoliu"]}) == 0
    # wm000003's news was a group change: its row is kept, with the groups the groups
    # context answers (none: the signal had no group write behind it).
    assert _count({}) == 51
    assert _count({"groups": ["wrFans"]}) == 0


def test_a_known_contact_is_read_again_only_where_it_changed(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group join reads groups, not contacts; a contact change reads contacts, not
    groups; a contact new to the directory is read everywhere; an edit deleted in
    contacts becomes a deleted row."""
    from chalicelib.contacts import queries as contacts
    from chalicelib.groups import queries as groups

    put_base([row(n) for n in range(5)])
    reads: list[tuple[str, str]] = []
    find, groups_of = contacts.find_contacts, groups.groups_of

    def finding(ids: list[str]) -> Any:
        reads.extend(("contacts", i) for i in ids)
        return find(ids)

    monkeypatch.setattr(contacts, "find_contacts", finding)
    monkeypatch.setattr(groups, "groups_of", lambda i: reads.append(("groups", i)) or groups_of(i))

    handlers.on_group_members_changed(
        signals.GroupMembersChanged(effect_id="g", chat_id="wrA", member_ids=("wm000001",), at=0)
    )
    handlers.on_contact_changed(signals.ContactChanged(effect_id="c", contact_id="wm000002", at=0))
    store.touch(["wmBrandNew"], facet=store.POINTS)
    report = readmodel.refresh()
    assert report.changed == 3
    assert sorted(reads) == [
        ("contacts", "wm000002"),
        ("contacts", "wmBrandNew"),
        ("groups", "wm000001"),
        ("groups", "wmBrandNew"),
    ]
    # wm000001 keeps what the directory held of it; wm000002 and wmBrandNew are unknown to
    # contacts: deleted rows.
    assert _count({}) == 5 - 1
    assert _count({"text": "客户1"}) == 1 and _count({"text": "客户2"}) == 0


def test_compaction_keeps_every_answer_and_drops_the_deltas(aws: None) -> None:
    put_base([row(n) for n in range(40)])
    store.touch(["wm000001", "wmExtra"])
    readmodel.refresh(loader=lambda ids, v: [row(90, contact_id=i, version=v) for i in ids])
    before = _count({})
    by_channel = get_engine().count(Filter(), EVERYONE, 0)["by_channel"]
    manifest = readmodel.compact()
    assert manifest.deltas == [] and manifest.rows == 41
    assert _count({}) == before == 41
    assert get_engine().count(Filter(), EVERYONE, 0)["by_channel"] == by_channel


def test_a_refresh_while_another_runs_is_refused_and_changes_wait_for_the_next(aws: None) -> None:
    from chalicelib.core.errors import Conflict

    readmodel._lease(int(time.time()))
    with pytest.raises(Conflict):
        readmodel.refresh()
    readmodel._release()
    assert readmodel.refresh().changed == 0
