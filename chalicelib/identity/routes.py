"""Sign-in (``/auth/*``) and the people, sessions and API keys admins manage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from chalice.app import Response

from chalicelib.core.http import ApiBlueprint, principal_of, request_json
from chalicelib.core.lazy import lazy_import

blueprint = ApiBlueprint(__name__)
login = lazy_import("chalicelib.identity.login")
service = lazy_import("chalicelib.identity.service")


def _query(name: str) -> str | None:
    query: Mapping[str, str] = blueprint.current_request.query_params or {}
    return query.get(name)


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


def _body() -> Any:
    return request_json(blueprint) or {}


# --- sign-in ---------------------------------------------------------------------------


@blueprint.route("/auth/wecom/login", methods=["GET"])
def wecom_login() -> Response:
    """Send the browser to WeCom's web login (QR code or the signed-in desktop client)."""
    return _redirect(login.start("web", _query("next")))


@blueprint.route("/auth/wecom/oauth", methods=["GET"])
def wecom_oauth() -> Response:
    """Inside the WeCom client (H5 pages): OAuth2 snsapi_base, no click needed."""
    return _redirect(login.start("oauth", _query("next")))


@blueprint.route("/auth/wecom/callback", methods=["GET"])
def wecom_callback() -> Response:
    """WeCom's redirect back with the one-time code: a session, or a page saying why not."""
    from chalicelib.identity.credentials import cookies
    from chalicelib.identity.errors import LoginRefused
    from chalicelib.identity.pages import page

    request = blueprint.current_request
    try:
        redirect = login.finish(
            _query("code") or "",
            _query("state") or "",
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


@blueprint.route(
    "/auth/me",
    methods=["GET"],
    role="staff",
    scope="none",
    response="chalicelib.identity.models:Me",
)
def me() -> dict[str, Any]:
    """Who is signed in, their role and data scope, and when the session ends."""
    principal = principal_of(blueprint)
    return {
        "userid": principal.userid,
        "name": principal.name,
        "role": principal.role,
        "scope": principal.scope.model_dump(),
        "expires_at": principal.expires_at,
    }


@blueprint.route("/auth/logout", methods=["POST"], role="staff", scope="none")
def logout() -> Response:
    """End this session and clear its cookies."""
    from chalicelib.identity.credentials import CSRF_COOKIE, SESSION_COOKIE, forget_cached
    from chalicelib.identity.store import delete_session

    principal = principal_of(blueprint)
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


@blueprint.route(
    "/admin/people",
    methods=["GET"],
    role="admin",
    response="chalicelib.identity.models:PeoplePage",
)
def list_people() -> dict[str, Any]:
    """Everyone granted access, with their role, scope and status."""
    return {"items": [p.model_dump(mode="json") for p in service.people()]}


@blueprint.route(
    "/admin/people/{userid}",
    methods=["PUT"],
    role="admin",
    scope="corp",
    body="chalicelib.identity.models:Grant",
    response="chalicelib.identity.models:Person",
)
def put_person(userid: str) -> dict[str, Any]:
    """Grant a WeCom member a role and a data scope (or change them)."""
    from chalicelib.identity.models import Grant

    grant = Grant.model_validate(_body())
    granted_by = principal_of(blueprint).userid
    person = service.grant(unquote(userid), grant, granted_by=granted_by)
    return dict(person.model_dump(mode="json"))


@blueprint.route(
    "/admin/people/{userid}",
    methods=["DELETE"],
    role="admin",
    scope="corp",
    response="chalicelib.identity.models:Person",
)
def delete_person(userid: str) -> dict[str, Any]:
    """Revoke a member's access: every session ends and no credential of theirs works."""
    by = principal_of(blueprint).userid
    return dict(service.revoke(unquote(userid), by=by).model_dump(mode="json"))


@blueprint.route(
    "/admin/people/{userid}/sessions",
    methods=["GET"],
    role="admin",
    scope="corp",
    response="chalicelib.identity.models:SessionPage",
)
def list_sessions(userid: str) -> dict[str, Any]:
    """A member's open sessions."""
    return {"items": [s.model_dump(mode="json") for s in service.sessions(unquote(userid))]}


@blueprint.route("/admin/people/{userid}/sessions", methods=["DELETE"], role="admin", scope="corp")
def delete_sessions(userid: str) -> dict[str, Any]:
    """End every session of a member (their grant stays)."""
    return {"ended": service.end_sessions(unquote(userid))}


@blueprint.route(
    "/admin/people/{userid}/sessions/{session_id}", methods=["DELETE"], role="admin", scope="corp"
)
def delete_session(userid: str, session_id: str) -> Response:
    """End one session of a member."""
    service.end_session(unquote(userid), unquote(session_id))
    return Response(body="", status_code=204)


# --- API keys -----------------------------------------------------------------------------


@blueprint.route(
    "/admin/api-keys",
    methods=["GET"],
    role="admin",
    response="chalicelib.identity.models:ApiKeyPage",
)
def list_api_keys() -> dict[str, Any]:
    """Every API key (never the keys themselves), newest first."""
    return {"items": [k.model_dump(mode="json") for k in service.api_keys()]}


@blueprint.route(
    "/admin/api-keys",
    methods=["POST"],
    role="admin",
    body="chalicelib.identity.models:NewApiKey",
    response="chalicelib.identity.models:CreatedApiKey",
)
def create_api_key() -> Response:
    """A named key with a role, a scope and an expiry (a year at most), shown only now."""
    from chalicelib.identity.models import NewApiKey

    request = NewApiKey.model_validate(_body())
    created = service.create_api_key(request, created_by=principal_of(blueprint).userid)
    return Response(
        body=created.model_dump(mode="json"),
        status_code=201,
        headers={"Cache-Control": "no-store"},
    )


@blueprint.route(
    "/admin/api-keys/{key_id}",
    methods=["DELETE"],
    role="admin",
    response="chalicelib.identity.models:ApiKey",
)
def revoke_api_key(key_id: str) -> dict[str, Any]:
    """Revoke an API key: refused everywhere within a minute."""
    return dict(service.revoke_api_key(unquote(key_id)).model_dump(mode="json"))
