"""What other contexts may read of membership: plain functions returning plain values."""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.exceptions import PynamoDBException

from chalicelib.core.errors import DependencyUnavailable


def tiers(contact_ids: Sequence[str]) -> dict[str, str]:
    """The current tier of each contact that has one (BatchGetItem)."""
    from chalicelib.membership import store

    model = store.TierItem.bound()
    keys = [(store.member_pk(c), store.TIER) for c in dict.fromkeys(contact_ids)]
    try:
        return {str(item.contact_id): str(item.tier) for item in model.batch_get(keys)}
    except PynamoDBException as error:
        raise DependencyUnavailable("the membership table did not answer") from error


def tier_names() -> list[str]:
    """The configured tier levels, lowest first (empty when none are configured)."""
    from chalicelib.membership.service import config

    levels = config()
    return [] if levels is None else [level.name for level in levels.levels]
