"""Admin bearer tokens: HS256 JWTs with a subject, a role, a data scope and an expiry.

The signing key is the secret ``ADMIN_JWT_SECRET`` (environment locally, Secrets Manager in
AWS), at least :data:`MIN_SECRET_LENGTH` characters. Rotation: move the current key to
``ADMIN_JWT_SECRET_PREVIOUS`` and set a new current one; tokens signed with either verify
until the previous key is removed (a day later at most, since no token lives longer).

``python -m cli token`` mints one for tests and local use. People sign in through WeCom
(sessions) and automation uses API keys (:mod:`chalicelib.identity`); a token is the
short-lived third way, so no token lives longer than :data:`MAX_TTL_S`.

The data scope is the ``scope`` claim (``all`` | ``own`` | ``departments``) with
``departments`` (a list of WeCom department ids); a token without it sees everything
(``all``), as one minted from the signing key by whoever holds that key can anyway.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

import jwt

from chalicelib.auth.roles import ROLES, Role
from chalicelib.core import secrets
from chalicelib.core.errors import DependencyUnavailable, Unauthorized

ISSUER = "scrm"
AUDIENCE = "scrm-admin"
ALGORITHM = "HS256"
ADMIN_JWT_SECRET = "ADMIN_JWT_SECRET"  # noqa: S105 - the name of a secret, not its value
ADMIN_JWT_SECRET_PREVIOUS = "ADMIN_JWT_SECRET_PREVIOUS"  # noqa: S105 - a name, not a value
#: The longest a token may live: one minted for longer is refused.
MAX_TTL_S = 24 * 3600
#: Clock skew allowed between the minting and the verifying machine.
LEEWAY_S = 5
MIN_SECRET_LENGTH = 32

ScopeKind = Literal["own", "departments", "all"]
SCOPE_KINDS: tuple[ScopeKind, ...] = ("own", "departments", "all")


class InvalidToken(Unauthorized):
    code = "invalid_token"


class WeakSigningKey(DependencyUnavailable):
    code = "signing_key_too_short"


@dataclass(frozen=True)
class Principal:
    """Who a verified token names: its subject, role and data scope."""

    subject: str
    role: Role
    scope: ScopeKind = "all"
    departments: tuple[int, ...] = field(default_factory=tuple)
    name: str = ""
    expires_at: int = 0


def signing_keys() -> list[str]:
    """The current key, then the previous one when it is set (rotation)."""
    current = secrets.get_secret(ADMIN_JWT_SECRET)
    keys = [current]
    try:
        previous = secrets.get_secret(ADMIN_JWT_SECRET_PREVIOUS)
    except DependencyUnavailable:
        previous = ""
    if previous and previous != current:
        keys.append(previous)
    for key in keys:
        _check_length(key)
    return keys


def _check_length(key: str) -> None:
    if len(key) < MIN_SECRET_LENGTH:
        raise WeakSigningKey(
            f"the admin signing key must be at least {MIN_SECRET_LENGTH} characters"
        )


def mint(
    subject: str,
    role: Role,
    *,
    ttl_s: int = 3600,
    key: str | None = None,
    scope: ScopeKind = "all",
    departments: tuple[int, ...] | list[int] = (),
    name: str = "",
) -> str:
    """A signed token; ``ValueError`` for an unknown role or scope or a ttl over a day."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if scope not in SCOPE_KINDS:
        raise ValueError(f"unknown scope {scope!r}; one of {', '.join(SCOPE_KINDS)}")
    if ttl_s > MAX_TTL_S:
        raise ValueError(f"a token lives at most {MAX_TTL_S} seconds (one day)")
    if scope == "departments" and not departments:
        raise ValueError("a departments scope names at least one department")
    signing_key = key or secrets.get_secret(ADMIN_JWT_SECRET)
    _check_length(signing_key)
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": subject,
        "role": role,
        "scope": scope,
        "iat": now,
        "exp": now + ttl_s,
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    if scope == "departments":
        claims["departments"] = [int(d) for d in departments]
    if name:
        claims["name"] = name
    return jwt.encode(claims, signing_key, algorithm=ALGORITHM)


def verify(token: str, *, key: str | None = None) -> Principal:
    """The principal a token names, or :class:`InvalidToken` saying why not."""
    if token.lower().startswith("bearer "):
        token = token[7:]
    keys = [key] if key else signing_keys()
    claims: dict[str, object] | None = None
    for candidate in keys:
        try:
            claims = jwt.decode(
                token.strip(),
                candidate,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iat", "sub", "role"]},
            )
            break
        except jwt.ExpiredSignatureError as error:
            raise InvalidToken("token has expired") from error
        except jwt.InvalidSignatureError:
            continue
        except jwt.InvalidTokenError as error:
            raise InvalidToken("token is not valid") from error
    if claims is None:
        raise InvalidToken("token is not valid")
    return _principal(claims)


def _principal(claims: dict[str, object]) -> Principal:
    issued, expires = claims.get("iat"), claims.get("exp")
    if not isinstance(issued, int) or not isinstance(expires, int):
        raise InvalidToken("token is not valid")
    if expires - issued > MAX_TTL_S:
        raise InvalidToken("token lives longer than a day; mint a shorter one")
    if issued > time.time() + LEEWAY_S:
        raise InvalidToken("token is issued in the future")
    role = claims.get("role")
    if role not in ROLES:
        raise InvalidToken("token names no known role")
    scope = claims.get("scope", "all")
    if scope not in SCOPE_KINDS:
        raise InvalidToken("token names no known scope")
    raw_departments = claims.get("departments") or []
    if not isinstance(raw_departments, list) or not all(
        isinstance(d, int) for d in raw_departments
    ):
        raise InvalidToken("token's departments are not a list of department ids")
    if scope == "departments" and not raw_departments:
        raise InvalidToken("token's departments scope names no department")
    return Principal(
        subject=str(claims["sub"]),
        role=role,
        scope=scope,
        departments=tuple(raw_departments),
        name=str(claims.get("name") or ""),
        expires_at=expires,
    )
