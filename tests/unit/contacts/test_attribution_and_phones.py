"""Channel attribution from State, and phone numbers turned into keyed hashes."""

from __future__ import annotations

import pytest

from chalicelib.contacts.attribution import Attribution, attribution
from chalicelib.contacts.phones import normalize_phone, phone_hash


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("live42:store", Attribution("live42", "store")),
        ("lc:s01:poster", Attribution("s01", "poster")),
        ("lc:s01:parcel:card", Attribution("s01", "parcel:card")),
        (" live42 : store ", Attribution("live42", "store")),
        ("poster", Attribution("", "poster")),
        ("a:b:c", Attribution("a", "b:c")),
        (":store", Attribution("", ":store")),
        ("live42:", Attribution("", "live42:")),
        ("", Attribution("", "direct")),
        (None, Attribution("", "direct")),
    ],
)
def test_attribution(state: str | None, expected: Attribution) -> None:
    assert attribution(state) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("１３８ ００１３ ８０００", "13800138000"),  # full-width digits
        ("(138) 0013.8000", "13800138000"),
        ("+1 415 555 2671", "+14155552671"),
        ("", None),
        ("not a phone", None),
        ("1234", None),
        ("+123456789012345678", None),
    ],
)
def test_normalize_phone(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def test_spellings_of_one_number_share_a_hash_that_hides_the_number() -> None:
    digest = phone_hash("+86 138-0013-8000", key="k1")
    assert digest == phone_hash("13800138000", key="k1")
    assert digest is not None and len(digest) == 64 and "13800138000" not in digest
    assert digest != phone_hash("13800138001", key="k1")


def test_the_hash_depends_on_the_key_read_from_the_stage_secret() -> None:
    assert phone_hash("13800138000", key="k1") != phone_hash("13800138000", key="k2")
    # Without an explicit key, PHONE_HASH_KEY from the secrets source (env in tests).
    assert phone_hash("13800138000") == phone_hash(
        "13800138000", key="phone-hash-key-for-tests-only"
    )
    assert phone_hash("junk") is None
