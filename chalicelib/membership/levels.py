"""The tier levels, read from the membership table and kept in the container.

Every order's evaluation (and the points context, asking whether a level counts points)
reads them: kept ``CONFIG_KEPT_S`` seconds (30 s) per container, forgotten at once by the
container that saves them (:func:`forget`).
"""

from __future__ import annotations

from chalicelib.membership import store
from chalicelib.membership.models import TierConfig
from chalicelib.storage.kept import Kept


def read() -> TierConfig | None:
    doc = store.get_config()
    return None if doc is None else TierConfig.model_validate(doc)


_levels: Kept[TierConfig | None] = Kept(read)


def kept() -> TierConfig | None:
    """:func:`read` as read at most ``CONFIG_KEPT_S`` seconds ago."""
    return _levels.get()


def forget() -> None:
    _levels.forget()
