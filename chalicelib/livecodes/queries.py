"""What other contexts may read of live codes: plain functions returning plain values."""

from __future__ import annotations

#: The channel of a contact's referral code (a relationship added through it names it).
REFERRAL_CHANNEL = "referral"


def referrer_of_code(code: str) -> str | None:
    """The contact a referral code credits its adds to, or ``None`` (no such code, or a
    code that credits nobody)."""
    from chalicelib.livecodes import store
    from chalicelib.livecodes.models import LiveCode

    doc = store.get_doc(code)
    return None if doc is None else LiveCode.model_validate(doc).referrer
