"""The tick reads its due rows as plain data: what it reads is what the model reads."""

from __future__ import annotations

import pytest

from chalicelib.sop import store
from chalicelib.sop.store import Due

NOW = 1_796_000_000


def rows() -> list[Due]:
    item = Due("item#1", "plan-a", "s1", sender="zhangsan", contact_id="wm1")
    item.content = {"text": "你好 {staff}", "attachments": [{"msgtype": "image"}]}
    item.exit_on = {"order", "reply"}
    item.deferrals = 2
    item.planned_at = NOW - 3600
    item.schedule(NOW - 60)
    bare = Due("item#2", "plan-a", "s1")  # every optional attribute absent
    bare.schedule(NOW - 30)
    batch = Due("batch#b1", "plan-a", "s1", kind="batch", status=store.OPEN, label="Plan A")
    batch.recipients, batch.msgid, batch.created_at = 10_000, "msg1", NOW - 10
    batch.schedule(NOW - 10)
    later = Due("item#3", "plan-b", "s2", sender="lisi")
    later.schedule(NOW + 3600)  # not due yet
    return [item, bare, batch, later]


@pytest.mark.usefixtures("aws")
def test_a_page_of_due_rows_reads_as_the_model_reads_them() -> None:
    store.save_due(rows())
    partition = store.bucket(NOW)

    page, following = store.due_page(partition, NOW, None, 1000)

    assert following is None
    by_model = store.DueItem.by_due.query(partition, store.DueItem.due_at <= NOW)
    expected = sorted((store._due(item) for item in by_model), key=lambda d: d.pk)
    assert sorted(page, key=lambda d: d.pk) == expected
    assert {d.pk for d in page} == {"item#1", "item#2", "batch#b1"}
    first = next(d for d in page if d.pk == "item#1")
    assert first.content["text"] == "你好 {staff}" and first.exit_on == {"order", "reply"}
    assert (first.deferrals, first.planned_at) == (2, NOW - 3600)
    assert next(d for d in page if d.pk == "item#2").content == {}


@pytest.mark.usefixtures("aws")
def test_pages_follow_one_another_to_the_last() -> None:
    store.save_due(rows())
    partition = store.bucket(NOW)
    first, following = store.due_page(partition, NOW, None, 2)
    assert len(first) == 2 and following is not None
    rest, last = store.due_page(partition, NOW, following, 2)
    assert last is None or store.due_page(partition, NOW, last, 2)[0] == []
    assert {d.pk for d in first + rest} == {"item#1", "item#2", "batch#b1"}
