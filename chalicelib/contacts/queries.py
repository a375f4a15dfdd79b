"""What other contexts may read of contacts (plain functions returning plain values)."""

from __future__ import annotations

from chalicelib.contacts import store


def followers(external_userid: str) -> list[str]:
    """The userids of the members who follow the customer now (active relationships)."""
    return sorted(
        item.staff_userid or item.sk.removeprefix(store.REL)
        for item in store.relationships(external_userid)
        if item.status == store.ACTIVE
    )
