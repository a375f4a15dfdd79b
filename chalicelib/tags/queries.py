"""What other contexts may read of tags: plain functions returning domain objects
(:class:`~chalicelib.tags.models.CorpTag`, :class:`TagRule`) or plain values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.tags.models import CorpTag, TagRule


def unknown_tag_ids(tag_ids: Iterable[str]) -> list[str]:
    """Those of ``tag_ids`` the corporate tag catalogue does not hold (one Query)."""
    from chalicelib.tags import store

    wanted = set(tag_ids)
    if not wanted:
        return []
    known = {tag.tag_id for tag in store.catalogue()}
    return sorted(wanted - known)


def catalogue() -> list[CorpTag]:
    """The corporate tag catalogue as mirrored from WeCom, as read at most
    ``CONFIG_KEPT_S`` seconds ago (for lookups on a hot path: names, groups)."""
    from chalicelib.tags import store

    return store.kept_catalogue()


def tag(tag_id: str) -> CorpTag | None:
    """One catalogue entry (from :func:`catalogue`), or ``None``."""
    return next((t for t in catalogue() if t.tag_id == tag_id), None)


def rule(rule_id: str) -> TagRule | None:
    """One auto-tag rule as stored now, or ``None``."""
    from chalicelib.tags import store

    return store.get_rule(rule_id)
