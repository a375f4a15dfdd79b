"""What other contexts may read of live codes (plain functions returning plain values)."""

from __future__ import annotations

#: The channel of the codes that name a referrer (a customer's own code); the same as
#: :data:`chalicelib.livecodes.service.REFERRAL_CHANNEL`, here without loading the service.
REFERRAL_CHANNEL = "referral"


def referrer_of_code(code: str) -> str | None:
    """The customer a live code credits for its adds (``referrer``), or ``None`` when the
    code names nobody or no longer exists."""
    from chalicelib.livecodes.errors import LiveCodeNotFound
    from chalicelib.livecodes.service import get_code

    try:
        return get_code(code).referrer or None
    except LiveCodeNotFound:
        return None
