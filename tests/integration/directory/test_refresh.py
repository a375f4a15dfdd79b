"""The read model follows the domain: a contact added, edited, deleted, an order, a group
join reach the directory through the change log and one refresh, which reads only the
contacts that changed; compaction keeps the answers."""

from __future__ import annotations

import time
from typing import Any

from chalicelib import signals
from chalicelib.directory import readmodel, store
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
    assert _count({}) == 51 - 1  # wm000003 is unknown to contacts now: a deleted row


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
    import pytest

    from chalicelib.core.errors import Conflict

    readmodel._lease(int(time.time()))
    with pytest.raises(Conflict):
        readmodel.refresh()
    readmodel._release()
    assert readmodel.refresh().changed == 0
