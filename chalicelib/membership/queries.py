"""What other contexts may read of membership: plain functions returning plain values."""

from __future__ import annotations

from collections.abc import Sequence


def tiers(contact_ids: Sequence[str]) -> dict[str, str]:
    """The current tier of each contact that has one (BatchGetItem)."""
    from chalicelib.membership import store

    return store.tiers(contact_ids)


def tier_of(contact_id: str) -> str | None:
    """The contact's current tier, ``None`` when it never left the base (one GetItem)."""
    from chalicelib.membership import store

    return store.tier_name(contact_id)


def tier_names() -> list[str]:
    """The configured tier levels, lowest first (empty when none are configured)."""
    from chalicelib.membership import store
    from chalicelib.membership.models import TierConfig

    doc = store.get_config()
    return [] if doc is None else [level.name for level in TierConfig.model_validate(doc).levels]


def counts_points() -> bool:
    """Whether some tier level has a points threshold (the levels as kept in the
    container): the tier evaluated on an order then counts the points of its window."""
    from chalicelib.membership.levels import kept

    levels = kept()
    return levels is not None and any(level.min_points for level in levels.levels)
