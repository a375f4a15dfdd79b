"""Admin tokens and roles."""

from __future__ import annotations

import pytest

from chalicelib.auth.roles import allows
from chalicelib.auth.tokens import InvalidToken, mint, verify

KEY = "k" * 40


def test_a_minted_token_verifies_to_its_subject_and_role() -> None:
    principal = verify("Bearer " + mint("ops@brand", "operator", key=KEY), key=KEY)
    assert (principal.subject, principal.role) == ("ops@brand", "operator")


def test_an_expired_token_is_refused() -> None:
    with pytest.raises(InvalidToken, match="expired"):
        verify(mint("a", "admin", ttl_s=-10, key=KEY), key=KEY)


def test_a_token_signed_with_another_key_is_refused() -> None:
    with pytest.raises(InvalidToken):
        verify(mint("a", "admin", key="x" * 40), key=KEY)


def test_a_token_with_the_none_algorithm_is_refused() -> None:
    import jwt

    forged = jwt.encode(
        {"sub": "a", "role": "admin", "exp": 2**40, "iat": 0, "iss": "scrm", "aud": "scrm-admin"},
        key="",
        algorithm="none",
    )
    with pytest.raises(InvalidToken):
        verify(forged, key=KEY)


@pytest.mark.parametrize(
    ("granted", "needed", "ok"),
    [
        ("viewer", "viewer", True),
        ("viewer", "operator", False),
        ("operator", "viewer", True),
        ("operator", "admin", False),
        ("admin", "operator", True),
        ("root", "viewer", False),
        ("", "viewer", False),
    ],
)
def test_roles_are_ordered(granted: str, needed: str, ok: bool) -> None:
    assert allows(granted, needed) is ok  # type: ignore[arg-type]


def test_a_token_names_its_scope_and_defaults_to_all() -> None:
    principal = verify(mint("a", "viewer", key=KEY), key=KEY)
    assert (principal.scope, principal.departments) == ("all", ())
    lead = verify(mint("a", "viewer", key=KEY, scope="departments", departments=[2, 3]), key=KEY)
    assert (lead.scope, lead.departments) == ("departments", (2, 3))
    with pytest.raises(ValueError):
        mint("a", "viewer", key=KEY, scope="departments")


def test_a_token_for_longer_than_a_day_is_neither_minted_nor_accepted() -> None:
    import time

    import jwt

    with pytest.raises(ValueError, match="one day"):
        mint("a", "admin", ttl_s=86_401, key=KEY)
    now = int(time.time())
    claims = {"sub": "a", "role": "admin", "iss": "scrm", "aud": "scrm-admin", "iat": now}
    long_lived = jwt.encode({**claims, "exp": now + 86_401}, KEY, algorithm="HS256")
    with pytest.raises(InvalidToken, match="longer than a day"):
        verify(long_lived, key=KEY)


def test_staff_is_the_weakest_role() -> None:
    assert allows("viewer", "staff") and not allows("staff", "viewer")
