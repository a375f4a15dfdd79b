"""Admin bearer tokens: HS256 JWTs with a subject, a role and an expiry.

The signing key is the secret ``ADMIN_JWT_SECRET`` (environment locally, Secrets Manager in
AWS). ``python -m cli token`` mints one for local use.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from chalicelib.auth.roles import ROLES, Role
from chalicelib.core import secrets
from chalicelib.core.errors import Unauthorized

ISSUER = "scrm"
AUDIENCE = "scrm-admin"
ALGORITHM = "HS256"
ADMIN_JWT_SECRET = "ADMIN_JWT_SECRET"  # noqa: S105 - the name of a secret, not its value


class InvalidToken(Unauthorized):
    code = "invalid_token"


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role


def mint(subject: str, role: Role, *, ttl_s: int = 3600, key: str | None = None) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    now = int(time.time())
    claims = {
        "sub": subject,
        "role": role,
        "iat": now,
        "exp": now + ttl_s,
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    return jwt.encode(claims, key or secrets.get_secret(ADMIN_JWT_SECRET), algorithm=ALGORITHM)


def verify(token: str, *, key: str | None = None) -> Principal:
    """The principal a token names, or :class:`InvalidToken` saying why not."""
    if token.lower().startswith("bearer "):
        token = token[7:]
    try:
        claims = jwt.decode(
            token.strip(),
            key or secrets.get_secret(ADMIN_JWT_SECRET),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "role"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise InvalidToken("token has expired") from error
    except jwt.InvalidTokenError as error:
        raise InvalidToken("token is not valid") from error
    role = claims.get("role")
    if role not in ROLES:
        raise InvalidToken("token names no known role")
    return Principal(subject=str(claims["sub"]), role=role)
