"""Who a request is from: the session cookie, a bearer token or an API key → :class:`Principal`.

Called by the HTTP edge (``ApiBlueprint``) for every ``/admin`` route, never by API
Gateway: a TOKEN authorizer only sees the Authorization header (not the cookie) and its
answers have their own shapes and a cache of its own (see docs/decisions.md). What one
process read about a credential is trusted for ``AUTH_CACHE_S`` seconds (at most 60), so a
revoked session, key or person is refused everywhere within a minute.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Mapping

from chalicelib.core.settings import get_settings
from chalicelib.identity import store
from chalicelib.identity.errors import CsrfRefused, NotSignedIn
from chalicelib.identity.models import Principal, Scope

SESSION_COOKIE = "scrm_session"
CSRF_COOKIE = "scrm_csrf"
CSRF_HEADER = "x-csrf-token"
API_KEY_PREFIX = "scrm_"
#: last_seen_at / last_used_at are written at most this often per credential.
TOUCH_EVERY_S = 60
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_lock = threading.Lock()
_cache: dict[str, tuple[float, Principal]] = {}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def forget_cached() -> None:
    """Drop what this process trusted (after a revocation here, and between tests)."""
    with _lock:
        _cache.clear()


def cookies(headers: Mapping[str, str]) -> dict[str, str]:
    """The request's cookies (a malformed pair is skipped, never an error)."""
    found: dict[str, str] = {}
    for part in (headers.get("cookie") or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in found:
            found[name] = value.strip().strip('"')
    return found


def presented(headers: Mapping[str, str]) -> bool:
    """Whether the request carries any credential at all (a bearer or the session cookie)."""
    return bool((headers.get("authorization") or "").strip()) or bool(
        cookies(headers).get(SESSION_COOKIE)
    )


def authenticate(headers: Mapping[str, str]) -> Principal:
    """The principal of a request, or :class:`NotSignedIn` (401) saying why not."""
    authorization = (headers.get("authorization") or "").strip()
    if authorization:
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise NotSignedIn("the Authorization header must be 'Bearer <token or API key>'")
        return _cached(credential.strip(), _bearer)
    session = cookies(headers).get(SESSION_COOKIE)
    if session:
        return _cached(session, _session)
    raise NotSignedIn("sign in, or send Authorization: Bearer <token or API key>")


def check_csrf(principal: Principal, method: str, headers: Mapping[str, str]) -> None:
    """A write authenticated by the cookie must echo the CSRF cookie in X-CSRF-Token."""
    if principal.via != "session" or method.upper() in SAFE_METHODS:
        return
    sent = (headers.get(CSRF_HEADER) or "").strip()
    cookie = cookies(headers).get(CSRF_COOKIE, "")
    expected = principal.csrf or ""
    if not (
        sent
        and expected
        and hmac.compare_digest(sent, expected)
        and hmac.compare_digest(cookie, expected)
    ):
        raise CsrfRefused(
            f"a write signed in by cookie must send the {CSRF_COOKIE} cookie's value "
            "in the X-CSRF-Token header"
        )


def _cached(credential: str, resolve: Callable[[str], Principal]) -> Principal:
    key = digest(credential)
    now = time.monotonic()
    ttl = get_settings().auth_cache_s
    with _lock:
        hit = _cache.get(key)
    if hit is not None and now < hit[0] and hit[1].expires_at > time.time():
        return hit[1]
    principal = resolve(credential)
    if ttl > 0:
        with _lock:
            if len(_cache) > 10_000:
                _cache.clear()
            _cache[key] = (now + ttl, principal)
    return principal


# --- the three kinds of credential -------------------------------------------------------


def _bearer(credential: str) -> Principal:
    if credential.startswith(API_KEY_PREFIX):
        return _api_key(credential)
    from chalicelib.auth.tokens import verify

    token = verify(credential)
    person = store.get_person(token.subject)
    if person is not None and person.status != "active":
        raise NotSignedIn("this person's access was revoked")
    return Principal(
        userid=token.subject,
        name=token.name or (person.name if person is not None else ""),
        role=token.role,
        scope=Scope(kind=token.scope, departments=list(token.departments)),
        via="token",
        expires_at=token.expires_at,
    )


def _api_key(credential: str) -> Principal:
    key_id, _, secret = credential[len(API_KEY_PREFIX) :].partition("_")
    item = store.get_api_key(key_id) if key_id and secret else None
    if item is None or not hmac.compare_digest(digest(secret), item.secret_hash):
        raise NotSignedIn("the API key is not valid")
    now = int(time.time())
    if item.revoked_at is not None:
        raise NotSignedIn("the API key was revoked")
    if now >= item.expires_at:
        raise NotSignedIn("the API key has expired")
    if item.last_used_at is None or now - item.last_used_at >= TOUCH_EVERY_S:
        store.touch_api_key(item, now)
    return Principal(
        userid=f"apikey:{item.key_id}",
        name=item.name,
        role=item.role,
        scope=Scope(kind=item.scope, departments=list(item.departments or [])),
        via="api_key",
        expires_at=int(item.expires_at),
    )


def session_ends_at(item: store.SessionItem) -> int:
    return int(min(item.last_seen_at + get_settings().session_idle_s, item.max_until))


def _session(cookie: str) -> Principal:
    session_id, _, secret = cookie.partition(".")
    item = store.get_session(session_id) if session_id and secret else None
    if item is None or not hmac.compare_digest(digest(secret), item.secret_hash):
        raise NotSignedIn("the session is not valid; sign in again")
    now = int(time.time())
    if now >= session_ends_at(item):
        store.delete_session(item.pk)
        raise NotSignedIn("the session has expired; sign in again")
    person = store.get_person(item.userid)
    if person is None or person.status != "active":
        raise NotSignedIn("this person's access was revoked")
    if now - item.last_seen_at >= TOUCH_EVERY_S:
        store.touch_session(item, now)
        item.last_seen_at = now
    return Principal(
        userid=person.userid,
        name=person.name,
        role=person.role,  # type: ignore[arg-type]
        scope=Scope(kind=person.scope, departments=list(person.departments or [])),  # type: ignore[arg-type]
        via="session",
        session_id=item.pk,
        expires_at=session_ends_at(item),
        csrf=item.csrf,
    )
