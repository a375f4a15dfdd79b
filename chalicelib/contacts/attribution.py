"""Channel attribution from the ``State`` of a 联系我 / 获客链接 add.

The one place that reads a state: live codes will refine the format, and every caller
(contacts, welcome messages, tag rules, reports) gets the refinement at once.
"""

from __future__ import annotations

from dataclasses import dataclass

DIRECT = "direct"
#: Prefix of the states the product writes on its own contact ways: ``lc:<code>:<channel>``
#: (at most 30 characters, WeCom's limit; see :mod:`chalicelib.livecodes.states`).
LIVE_CODE_PREFIX = "lc:"


@dataclass(frozen=True)
class Attribution:
    """``code``: the live code that brought the customer (empty when unknown);
    ``channel``: the channel the add is credited to."""

    code: str
    channel: str


def attribution(state: str | None) -> Attribution:
    """``"lc:<code>:<channel>"`` (a live code's contact way) and ``"<code>:<channel>"`` give
    both; any other state is the channel verbatim; an empty state (a search, a shared card,
    an add from the staff side) is the channel ``direct``."""
    state = (state or "").strip()
    if not state:
        return Attribution(code="", channel=DIRECT)
    if state.startswith(LIVE_CODE_PREFIX):
        code, sep, channel = state[len(LIVE_CODE_PREFIX) :].partition(":")
        if sep and code and channel:
            return Attribution(code=code, channel=channel)
    code, sep, channel = state.partition(":")
    if sep and code.strip() and channel.strip():
        return Attribution(code=code.strip(), channel=channel.strip())
    return Attribution(code="", channel=state)
