"""A due item is a plain object in the tick and exactly its stored item in the table."""

from __future__ import annotations

from chalicelib.sop import store


def test_a_due_item_holds_every_attribute_its_table_stores() -> None:
    stored = set(store.DueItem.get_attributes())
    assert set(store.Due.__dataclass_fields__) == stored


def test_a_due_item_is_stored_and_read_back_unchanged() -> None:
    due = store.Due(
        "plan#step#wm1#1",
        plan_id="plan",
        step_id="step",
        contact_id="wm1",
        content={"text": "hi"},
        content_key="k",
        planned_at=100,
        exit_on={"order"},
        deferrals=2,
    )
    due.schedule(7200, now=3600, spread=True)
    item = store._due_item(due)
    raw = item.serialize()
    assert raw["due_at"] == {"N": "7200"} and "sent_at" not in raw  # unset stays unset
    assert raw["status"] == {"S": store.PENDING}  # defaults are stored as before
    read = store._due(store.DueItem.from_raw_data({**raw, "pk": {"S": due.pk}}))
    assert read == due


def test_a_row_is_stored_and_read_back_unchanged() -> None:
    row = store.Row("funnel#plan#3", "step#orders", tally=2, amount=1500)
    assert store._row(store._sop_item(row)) == row
