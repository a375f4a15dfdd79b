"""WeCom sign-in: the redirect to WeCom, the callback, the session it ends in.

- Web login (desktop browser): ``{WECOM_LOGIN_BASE}/wwlogin/sso/login?login_type=CorpApp&
  appid=<corp id>&agentid=<agent id>&redirect_uri=…&state=…``.
- Inside the WeCom client (H5): OAuth2 ``snsapi_base``, ``{WECOM_OAUTH_BASE}/connect/oauth2/
  authorize?appid=…&redirect_uri=…&response_type=code&scope=snsapi_base&state=…&agentid=…
  #wechat_redirect``.

Both come back to ``{CONSOLE_URL}/api/auth/wecom/callback?code=…&state=…``. The state is
random and bound to the browser by a signed, HttpOnly, ten-minute cookie that also carries
the return path; the callback refuses a state that is not that cookie's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlencode

from chalicelib.core import secrets as secret_store
from chalicelib.core.settings import Settings, get_settings
from chalicelib.identity import directory, store
from chalicelib.identity.credentials import CSRF_COOKIE, SESSION_COOKIE, digest
from chalicelib.identity.errors import LoginRefused
from chalicelib.wecom.errors import WeComError, WeComUnavailable

LOGIN_COOKIE = "scrm_login"
LOGIN_MAX_AGE_S = 600
CALLBACK_PATH = "/api/auth/wecom/callback"
#: Return paths allowed after sign-in: relative console paths, nothing else (no scheme, no
#: host, no ``//``, no backslash, no ``/api/``); anything else returns to ``/``.
RETURN_PATH = re.compile(r"^/(?!/)(?!api(?:/|$))[A-Za-z0-9_\-./~%]*(?:\?[A-Za-z0-9_\-.~%=&+]*)?$")
MAX_RETURN_PATH = 512

Flow = Literal["web", "oauth"]


@dataclass
class Redirect:
    location: str
    cookies: list[str] = field(default_factory=list)


def safe_next(value: str | None) -> str:
    """``value`` when it is an allowed console path, else ``/`` (never an open redirect)."""
    if not value or len(value) > MAX_RETURN_PATH or not RETURN_PATH.match(value):
        return "/"
    if ".." in value.split("?")[0].split("/"):
        return "/"
    return value


def cookie(
    name: str, value: str, *, max_age: int, http_only: bool = True, settings: Settings | None = None
) -> str:
    settings = settings or get_settings()
    parts = [f"{name}={value}", "Path=/", f"Max-Age={max_age}", "SameSite=Lax"]
    if http_only:
        parts.append("HttpOnly")
    if settings.stage != "local":
        parts.append("Secure")
    return "; ".join(parts)


def cleared(name: str, *, http_only: bool = True) -> str:
    return cookie(name, "", max_age=0, http_only=http_only)


def _state_key() -> bytes:
    secret = secret_store.get_secret("ADMIN_JWT_SECRET")
    return hmac.new(secret.encode(), b"scrm login state", hashlib.sha256).digest()


def _sign(payload: str) -> str:
    return hmac.new(_state_key(), payload.encode(), hashlib.sha256).hexdigest()


def _callback_url(settings: Settings) -> str:
    if not settings.console_url:
        from chalicelib.core.errors import DependencyUnavailable

        raise DependencyUnavailable("CONSOLE_URL is not configured", code="console_url_missing")
    return settings.console_url + CALLBACK_PATH


def start(flow: Flow, next_path: str | None) -> Redirect:
    """Where to send the browser to sign in, and the state cookie to set on the way."""
    settings = get_settings()
    state = secrets.token_urlsafe(24)
    back = base64.urlsafe_b64encode(
        json.dumps({"next": safe_next(next_path), "flow": flow}).encode()
    ).decode()
    payload = f"{state}.{back}.{int(time.time())}"
    value = f"{payload}.{_sign(payload)}"
    redirect_uri = _callback_url(settings)
    if flow == "web":
        query = urlencode(
            {
                "login_type": "CorpApp",
                "appid": settings.wecom_corp_id,
                "agentid": settings.wecom_agent_id,
                "redirect_uri": redirect_uri,
                "state": state,
            }
        )
        location = f"{settings.wecom_login_base}/wwlogin/sso/login?{query}"
    else:
        query = urlencode(
            {
                "appid": settings.wecom_corp_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": "snsapi_base",
                "state": state,
                "agentid": settings.wecom_agent_id,
            }
        )
        location = f"{settings.wecom_oauth_base}/connect/oauth2/authorize?{query}#wechat_redirect"
    return Redirect(location, [cookie(LOGIN_COOKIE, value, max_age=LOGIN_MAX_AGE_S)])


def _read_state_cookie(value: str | None) -> tuple[str, str, Flow]:
    refused = LoginRefused(
        401,
        "Sign-in could not be checked",
        "This browser did not start this sign-in, or started it more than ten minutes ago. "
        "Start again from the sign-in page.",
    )
    if not value or value.count(".") != 3:
        raise refused
    state, back, issued, signature = value.split(".")
    if not hmac.compare_digest(_sign(f"{state}.{back}.{issued}"), signature):
        raise refused
    if not issued.isdigit() or time.time() - int(issued) > LOGIN_MAX_AGE_S:
        raise refused
    try:
        data = json.loads(base64.urlsafe_b64decode(back.encode()))
    except ValueError as error:
        raise refused from error
    flow: Flow = "oauth" if data.get("flow") == "oauth" else "web"
    return state, safe_next(data.get("next")), flow


def finish(code: str, state: str, state_cookie: str | None, user_agent: str) -> Redirect:
    """Check the state, exchange the code, admit a granted active member: a new session.

    :class:`LoginRefused` with the page to show otherwise (401 or 403, never a 500).
    """
    expected, next_path, flow = _read_state_cookie(state_cookie)
    if not state or not hmac.compare_digest(state, expected):
        raise LoginRefused(
            401,
            "Sign-in could not be checked",
            "The answer from WeCom does not belong to the sign-in this browser started. "
            "Start again from the sign-in page.",
        )
    if not code or len(code) > 512:
        raise LoginRefused(401, "Sign-in failed", "WeCom sent no sign-in code. Try again.")
    unavailable = LoginRefused(
        503, "WeCom did not answer", "WeCom could not be reached. Try again in a minute."
    )
    try:
        answer = directory.userid_for_code(code)
    except WeComUnavailable as error:
        raise unavailable from error
    except WeComError as error:
        raise LoginRefused(
            401,
            "Sign-in failed",
            "The sign-in code was already used, has expired or is not valid. "
            "Codes work once, within five minutes. Start again from the sign-in page.",
        ) from error
    userid = str(answer.get("userid") or answer.get("UserId") or "")
    if not userid:
        raise LoginRefused(
            403,
            "Not a member of this company",
            "Only members of this company's WeCom can sign in.",
        )
    try:
        member = directory.fetch_member(userid)
    except WeComUnavailable as error:
        raise unavailable from error
    except WeComError as error:
        raise LoginRefused(
            403,
            "Member not visible to the app",
            "WeCom does not let this app read the member; add them to the app's visible range.",
        ) from error
    if member is None:
        raise LoginRefused(401, "Unknown member", "WeCom does not know this member.")
    if not member.active:
        raise LoginRefused(
            403, "Account disabled", "This member is disabled or has left the company in WeCom."
        )
    person = store.get_person(userid)
    if person is None or person.status != "active":
        raise LoginRefused(
            403,
            "No access yet",
            f"{member.name or userid} has no access to the console. Ask an administrator "
            "to grant you a role.",
        )
    now = int(time.time())
    still_active = store.update_person(
        userid,
        expect_status="active",
        name=member.name or person.name,
        wecom_departments=member.departments,
        last_sign_in_at=now,
    )
    if not still_active:  # revoked this very moment
        raise LoginRefused(403, "No access yet", "This member's access was just revoked.")
    session_cookie, csrf = create_session(userid, user_agent, flow, now)
    settings = get_settings()
    return Redirect(
        next_path,
        [
            cookie(SESSION_COOKIE, session_cookie, max_age=settings.session_max_s),
            cookie(CSRF_COOKIE, csrf, max_age=settings.session_max_s, http_only=False),
            cleared(LOGIN_COOKIE),
        ],
    )


def create_session(userid: str, user_agent: str, flow: Flow, now: int) -> tuple[str, str]:
    """A new session: ``(cookie value, csrf token)``; only the secret's hash is stored."""
    settings = get_settings()
    session_id, secret, csrf = (
        secrets.token_hex(12),
        secrets.token_urlsafe(32),
        secrets.token_urlsafe(24),
    )
    max_until = now + settings.session_max_s
    store.save(
        store.SessionItem(
            session_id,
            userid=userid,
            secret_hash=digest(secret),
            csrf=csrf,
            created_at=now,
            last_seen_at=now,
            max_until=max_until,
            user_agent=user_agent[:200],
            via=flow,
            expires_at=datetime.fromtimestamp(max_until, UTC),
        )
    )
    return f"{session_id}.{secret}", csrf
