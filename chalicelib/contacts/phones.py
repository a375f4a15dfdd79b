"""Phone numbers become keyed hashes at once: the raw number is never stored or logged.

The hash is HMAC-SHA256 with the stage's ``PHONE_HASH_KEY`` over the normalised number,
so an order carrying the same number (in another spelling) finds the same contact, while
a leaked table cannot be reversed by hashing every possible number without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from chalicelib.core.secrets import PHONE_HASH_KEY, get_secret

_SEPARATORS = re.compile(r"[\s\-().·/]")
_MIN_DIGITS = 5
_MAX_DIGITS = 15  # E.164


def normalize_phone(raw: str) -> str | None:
    """The canonical spelling of ``raw``, or ``None`` when it is not a phone number.

    Full-width digits and separators are folded; a mainland China number loses its
    country code (``+86``, ``0086``, ``86``) so ``+86 138-0013-8000`` and ``13800138000``
    agree; any other international number keeps ``+`` and its digits.
    """
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    international = text.startswith("+") or text.startswith("00")
    digits = text.lstrip("+")
    if digits.startswith("00"):
        digits = digits[2:]
    if not digits.isdigit() or not _MIN_DIGITS <= len(digits) <= _MAX_DIGITS:
        return None
    if digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        return digits[2:]
    if international and not digits.startswith("86"):
        return "+" + digits
    return digits.removeprefix("86") if international else digits


def phone_hash(raw: str, key: str | None = None) -> str | None:
    """Hex HMAC-SHA256 of the normalised number; ``None`` when ``raw`` is not a number.

    Other contexts (orders) call this to look a contact up by phone.
    """
    normalized = normalize_phone(raw)
    if normalized is None:
        return None
    secret = key if key is not None else get_secret(PHONE_HASH_KEY)
    return hmac.new(secret.encode(), normalized.encode(), hashlib.sha256).hexdigest()
