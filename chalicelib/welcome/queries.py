"""What other contexts may read of welcome messages: plain functions returning domain
objects (:class:`~chalicelib.welcome.models.WelcomeMessage`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.welcome.models import WelcomeMessage


def message(channel: str) -> WelcomeMessage | None:
    """The welcome message kept for ``channel`` (``default``, a channel, or a live code's
    ``code:<code>``), as stored now; ``None`` when there is none."""
    from chalicelib.welcome import store

    return store.get(channel)


def code_channel(code: str) -> str:
    """The key under which live code ``code`` keeps its own welcome message."""
    return f"code:{code}"


def chosen(channel: str, code: str = "") -> WelcomeMessage | None:
    """What an add through ``channel`` (and live code ``code``) would be welcomed with:
    the code's message, else the channel's, else the default one."""
    from chalicelib.welcome.service import choose

    return choose(channel, code)
