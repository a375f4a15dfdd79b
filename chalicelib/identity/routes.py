"""Sign-in (``/auth/*``) and the people, sessions and API keys admins manage.

Importing this module installs the credential and data-scope check every admin route goes
through (:func:`chalicelib.core.http.install_access`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Response

from chalicelib.core.http import Access, ApiBlueprint, install_access
from chalicelib.core.lazy import lazy_import

if TYPE_CHECKING:
    from chalicelib.identity import login, service
    from chalicelib.identity.models import (
        ApiKey,
        Grant,
        Me,
        NewApiKey,
        Person,
        Principal,
        SessionInfo,
    )
else:
    login = lazy_import("chalicelib.identity.login")
    service = lazy_import("chalicelib.identity.service")

blueprint = ApiBlueprint(__name__, models="chalicelib.identity.models")
PERSON = "/admin/people/{userid}"


def _access() -> Access:
    from chalicelib.identity import access

    return access


install_access(_access)


def _redirect(redirect: Any) -> Response:
    return Response(
        body="",
        status_code=302,
        headers={
            "Location": redirect.location,
            "Set-Cookie": redirect.cookies,
            "Cache-Control": "no-store",
        },
    )


# --- sign-in ---------------------------------------------------------------------------


@blueprint.get("/auth/wecom/login")
def wecom_login() -> Response:
    """Send the browser to WeCom's web login (QR code or the signed-in desktop client)."""
    return _redirect(login.start("web", blueprint.param("next")))


@blueprint.get("/auth/wecom/oauth")
def wecom_oauth() -> Response:
    """Inside the WeCom client (H5 pages): OAuth2 snsapi_base, no click needed."""
    return _redirect(login.start("oauth", blueprint.param("next")))


@blueprint.get("/auth/wecom/callback")
def wecom_callback() -> Response:
    """WeCom's redirect back with the one-time code: a session, or a page saying why not."""
    from chalicelib.identity.credentials import cookies
    from chalicelib.identity.errors import LoginRefused
    from chalicelib.identity.pages import page

    request = blueprint.current_request
    try:
        redirect = login.finish(
            blueprint.param("code") or "",
            blueprint.param("state") or "",
            cookies(request.headers).get(login.LOGIN_COOKIE),
            request.headers.get("user-agent", ""),
        )
    except LoginRefused as refused:
        from chalicelib.core.observability import logger

        logger.info("sign-in refused", extra={"status": refused.status, "why": refused.title})
        response = page(refused.status, refused.title, refused.detail)
        response.headers["Set-Cookie"] = login.cleared(login.LOGIN_COOKIE)
        return response
    return _redirect(redirect)


@blueprint.get("/auth/me", "staff", scope="none", response="Me")
def me(principal: Principal) -> Me:
    """Who is signed in, their role and data scope, when the session ends, and the time
    zone the corp's days are counted in."""
    from chalicelib.core.settings import get_settings
    from chalicelib.identity.models import Me

    return Me(
        userid=principal.userid,
        name=principal.name,
        role=principal.role,
        scope=principal.scope,
        expires_at=principal.expires_at,
        timezone=get_settings().timezone,
    )


@blueprint.post("/auth/logout", "staff", scope="none")
def logout(principal: Principal) -> Response:
    """End this session and clear its cookies."""
    from chalicelib.identity.credentials import CSRF_COOKIE, SESSION_COOKIE, forget_cached
    from chalicelib.identity.store import delete_session

    if principal.session_id:
        delete_session(principal.session_id)
        forget_cached()
    return Response(
        body="",
        status_code=204,
        headers={
            "Set-Cookie": [
                login.cleared(SESSION_COOKIE),
                login.cleared(CSRF_COOKIE, http_only=False),
            ]
        },
    )


# --- people ----------------------------------------------------------------------------


@blueprint.get("/admin/people", "admin", response="PeoplePage")
def list_people() -> list[Person]:
    """Everyone granted access, with their role, scope and status."""
    return service.people()


@blueprint.put(PERSON, "admin", scope="corp", body="Grant", response="Person")
def put_person(userid: str, body: Grant, principal: Principal) -> Person:
    """Grant a WeCom member a role and a data scope (or change them)."""
    return service.grant(userid, body, granted_by=principal.userid)


@blueprint.delete(PERSON, "admin", scope="corp", response="Person")
def delete_person(userid: str, principal: Principal) -> Person:
    """Revoke a member's access: every session ends and no credential of theirs works."""
    return service.revoke(userid, by=principal.userid)


@blueprint.get(f"{PERSON}/sessions", "admin", scope="corp", response="SessionPage")
def list_sessions(userid: str) -> list[SessionInfo]:
    """A member's open sessions."""
    return service.sessions(userid)


@blueprint.delete(f"{PERSON}/sessions", "admin", scope="corp")
def delete_sessions(userid: str) -> dict[str, int]:
    """End every session of a member (their grant stays)."""
    return {"ended": service.end_sessions(userid)}


@blueprint.delete(f"{PERSON}/sessions/{{session_id}}", "admin", scope="corp")
def delete_session(userid: str, session_id: str) -> None:
    """End one session of a member."""
    service.end_session(userid, session_id)


# --- API keys -----------------------------------------------------------------------------


@blueprint.get("/admin/api-keys", "admin", response="ApiKeyPage")
def list_api_keys() -> list[ApiKey]:
    """Every API key (never the keys themselves), newest first."""
    return service.api_keys()


@blueprint.post("/admin/api-keys", "admin", body="NewApiKey", response="CreatedApiKey")
def create_api_key(body: NewApiKey, principal: Principal) -> Response:
    """A named key with a role, a scope and an expiry (a year at most), shown only now."""
    created = service.create_api_key(body, created_by=principal.userid)
    return Response(
        body=created.model_dump(mode="json"),
        status_code=201,
        headers={"Cache-Control": "no-store"},
    )


@blueprint.delete("/admin/api-keys/{key_id}", "admin", response="ApiKey")
def revoke_api_key(key_id: str) -> ApiKey:
    """Revoke an API key: refused everywhere within a minute."""
    return service.revoke_api_key(key_id)
