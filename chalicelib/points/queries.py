"""What other contexts may read of points: plain functions returning plain values."""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.exceptions import PynamoDBException

from chalicelib.core.errors import DependencyUnavailable


def balances(contact_ids: Sequence[str]) -> dict[str, int]:
    """Points balances of the contacts that have an account (BatchGetItem)."""
    from chalicelib.points import store

    model = store.AccountItem.bound()
    keys = [(store.account_pk(c), store.BALANCE) for c in dict.fromkeys(contact_ids)]
    try:
        return {
            item.pk.removeprefix(store.account_pk("")): int(item.balance or 0)
            for item in model.batch_get(keys)
        }
    except PynamoDBException as error:
        raise DependencyUnavailable("the points table did not answer") from error


def referrer_of(contact_id: str) -> str | None:
    """The contact whose referral code brought ``contact_id``, if any."""
    from chalicelib.points.service import referrer_of as find

    return find(contact_id)
