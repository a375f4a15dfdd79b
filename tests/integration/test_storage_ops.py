"""The shared DynamoDB moves: absent items, taken keys, lost races and failed conditions."""

from __future__ import annotations

import pytest
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.transactions import TransactWrite

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.storage import ops
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.schema import RUNTIME_STATE


class Thing(TableModel):
    schema = RUNTIME_STATE

    class Meta(TableModel.Meta):
        abstract = False

    pk = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(default="")
    version = NumberAttribute(default=0)


def test_an_absent_item_is_none_and_a_present_one_is_read_without_binding(aws: None) -> None:
    assert ops.get_or_none(Thing, "thing#1") is None
    assert ops.put_new(Thing("thing#1", name="first"))
    found = ops.get_or_none(Thing, "thing#1")
    assert found is not None and found.name == "first"


def test_a_taken_key_is_refused_and_keeps_the_first_write(aws: None) -> None:
    assert ops.put_new(Thing("thing#1", name="first"))
    assert not ops.put_new(Thing("thing#1", name="second"))
    assert Thing.get("thing#1").name == "first"


def test_a_save_on_a_stale_read_is_a_conflict_and_changes_nothing(aws: None) -> None:
    ops.put_new(Thing("thing#1", name="a"))
    mine, theirs = Thing.get("thing#1"), Thing.get("thing#1")
    theirs.name = "theirs"
    ops.save_versioned(theirs)
    mine.name = "mine"
    with pytest.raises(ops.Conflict):
        ops.save_versioned(mine)
    assert mine.version == theirs.version - 1
    stored = Thing.get("thing#1")
    assert (stored.name, stored.version) == ("theirs", 1)


def test_a_transaction_names_the_operation_whose_condition_failed(aws: None) -> None:
    ops.put_new(Thing("thing#2"))

    def write(tx: TransactWrite) -> None:
        tx.save(Thing("thing#3"), condition=Thing.pk.does_not_exist())
        tx.save(Thing("thing#2"), condition=Thing.pk.does_not_exist())

    with pytest.raises(ops.Conflict) as raised:
        ops.transact(write)
    assert raised.value.index == 1
    assert ops.get_or_none(Thing, "thing#3") is None  # all or nothing


def test_a_transaction_names_every_operation_whose_condition_failed(aws: None) -> None:
    ops.put_new(Thing("thing#1"))
    ops.put_new(Thing("thing#3"))

    def write(tx: TransactWrite) -> None:
        tx.save(Thing("thing#1"), condition=Thing.pk.does_not_exist())
        tx.save(Thing("thing#2"), condition=Thing.pk.does_not_exist())
        tx.save(Thing("thing#3"), condition=Thing.pk.does_not_exist())

    with pytest.raises(ops.Conflict) as raised:
        ops.transact(write)
    assert (raised.value.index, raised.value.failed) == (0, (0, 2))


def test_a_retried_race_succeeds_and_an_endless_one_is_a_503() -> None:
    calls: list[int] = []

    def loses_twice() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ops.Conflict()
        return "saved"

    assert ops.retry(loses_twice, pause_s=0) == "saved"

    def always_loses() -> None:
        raise ops.Conflict()

    with pytest.raises(DependencyUnavailable):
        ops.retry(always_loses, times=3, pause_s=0)
