"""The ``state`` of a live code's contact ways: ``lc:<code>:<channel>``.

WeCom hands the state back in the add callback (``State``), which is how an add is tied
to its code and channel. WeCom allows 30 characters: codes are at most 10 characters and
channels at most 16, both ``[a-z0-9_-]``, so the state never passes 3 + 10 + 1 + 16 = 30.
Decoding lives in :func:`chalicelib.contacts.attribution.attribution`, the one reader.
"""

from __future__ import annotations

from chalicelib.contacts.attribution import LIVE_CODE_PREFIX, Attribution, attribution

MAX_STATE = 30


def encode(code: str, channel: str) -> str:
    state = f"{LIVE_CODE_PREFIX}{code}:{channel}"
    if len(state) > MAX_STATE:
        raise ValueError("a live-code state is longer than WeCom's 30 characters")
    return state


def decode(state: str | None) -> Attribution | None:
    """The code and channel of a live-code state; ``None`` for any other state."""
    state = (state or "").strip()
    if not state.startswith(LIVE_CODE_PREFIX):
        return None
    code, sep, channel = state[len(LIVE_CODE_PREFIX) :].partition(":")
    if not (sep and code and channel):
        return None
    return attribution(state)
