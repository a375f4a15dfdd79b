"""Once-only effects: a counter moves once per event however often the event is replayed."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.transactions import TransactWrite

from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.once import apply_once, claim_once, release
from chalicelib.storage.schema import RUNTIME_STATE


class Counter(TableModel):
    schema = RUNTIME_STATE

    class Meta(TableModel.Meta):
        abstract = False

    pk = UnicodeAttribute(hash_key=True)
    count = NumberAttribute(default=0)


def bump(tx: TransactWrite) -> None:
    model = Counter.bound()
    tx.update(model("counter#adds"), actions=[model.count.add(1)])


def test_apply_once_moves_the_counter_once_across_replays(aws: None) -> None:
    results = [apply_once("evt:1#adds", bump) for _ in range(3)]
    assert results == [True, False, False]
    assert apply_once("evt:2#adds", bump)
    assert Counter.bound().get("counter#adds").count == 2


def test_a_released_claim_can_be_claimed_again(aws: None) -> None:
    assert claim_once("evt:1#alert")
    assert not claim_once("evt:1#alert")
    release("evt:1#alert")
    assert claim_once("evt:1#alert")


def test_an_effect_with_its_own_failed_condition_is_refused_not_taken_as_done(
    aws: None,
) -> None:
    import pytest

    from chalicelib.storage.once import EffectRefused

    model = Counter.bound()

    def consume_token(tx: TransactWrite) -> None:
        # A conditional delete goes before the marker in the request.
        tx.delete(model("token#a"), condition=model.pk.exists())
        tx.update(model("counter#uses"), actions=[model.count.add(1)])

    with pytest.raises(EffectRefused):
        apply_once("evt:9#use", consume_token)  # no token yet: refused, nothing written
    model("token#a").save()
    assert apply_once("evt:9#use", consume_token)  # the marker was not left behind
    model("token#a").save()
    assert not apply_once("evt:9#use", consume_token)  # a replay, even with a delete first
    assert model.get("counter#uses").count == 1
