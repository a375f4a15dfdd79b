"""A relationship's state and its deletions' credits depend on the set of facts only."""

from __future__ import annotations

from itertools import permutations

from chalicelib.contacts.states import Fact, derive, merge

T0 = 1_700_000_000


def _derived(facts: list[Fact]):  # type: ignore[no-untyped-def]
    stored: dict[str, object] = {}
    for fact in facts:
        stored = merge(stored, [fact])  # type: ignore[arg-type]
    return derive(stored)  # type: ignore[arg-type]


def test_any_order_of_the_same_facts_derives_the_same_state_and_credits() -> None:
    facts = [
        Fact("add", T0, state="lc:c1:poster", key="a1"),
        Fact("add", T0, key="a1"),  # the same add seen from WeCom's answer (no state)
        Fact("del", T0 + 86_400 * 3, by="customer", key="d1"),
        Fact("add", T0 + 86_400 * 5, state="parcel", key="a2"),
        Fact("del", T0 + 86_400 * 9, by="transfer", key="d2"),
        Fact("del", T0 + 86_400 * 9 + 4, by="transfer", key="t2"),  # the same transfer, told twice
    ]
    results = {repr(_derived(list(order))) for order in permutations(facts)}
    assert len(results) == 1
    derived = _derived(facts)
    assert (derived.status, derived.ended_by, derived.channel, derived.added_at) == (
        "ended",
        "transfer",
        "parcel",
        T0 + 86_400 * 5,
    )
    credits = sorted(derived.credits.values(), key=lambda c: c.at)
    assert [(c.by, c.channel, c.code, c.retention_days) for c in credits] == [
        ("customer", "poster", "c1", 3),
        ("transfer", "parcel", "", 4),
    ]


def test_a_deletion_with_no_add_is_unknown_until_the_add_is_known() -> None:
    deletion = Fact("del", T0 + 10, by="customer", key="d")
    alone = _derived([deletion])
    assert alone.status == "ended"
    [credit] = alone.credits.values()
    assert (credit.channel, credit.added_at) == ("unknown", None)
    [credit] = _derived([deletion, Fact("add", T0, state="poster")]).credits.values()
    assert (credit.channel, credit.added_at, credit.retention_days) == ("poster", T0, 0)


def test_at_the_same_second_a_deletion_follows_the_add() -> None:
    derived = _derived([Fact("del", T0, by="staff"), Fact("add", T0, state="x")])
    assert derived.status == "ended"
