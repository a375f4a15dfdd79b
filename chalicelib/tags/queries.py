"""What other contexts may read of tags: plain functions returning plain values."""

from __future__ import annotations

from collections.abc import Iterable


def unknown_tag_ids(tag_ids: Iterable[str]) -> list[str]:
    """Those of ``tag_ids`` the corporate tag catalogue does not hold (one Query)."""
    from chalicelib.tags import store

    wanted = set(tag_ids)
    if not wanted:
        return []
    known = {str(item.tag_id) for item in store.catalogue()}
    return sorted(wanted - known)
