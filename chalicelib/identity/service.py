"""Use cases of identity: grant and revoke people, list and end sessions, API keys, and
keep access in step with WeCom (a member deleted or disabled there loses access here)."""

from __future__ import annotations

import secrets
import time

from chalicelib.core.errors import BadRequest, NotFound
from chalicelib.core.observability import logger
from chalicelib.identity import credentials, directory, store
from chalicelib.identity.models import (
    ApiKey,
    CreatedApiKey,
    Grant,
    Member,
    NewApiKey,
    Person,
    Scope,
    SessionInfo,
)

USERID = r"^[A-Za-z0-9_.@\-]{1,64}$"


def _check_userid(userid: str) -> str:
    import re

    if not re.match(USERID, userid):
        raise BadRequest("userid must be 1 to 64 letters, digits or _.@-")
    return userid


def _person(item: store.PersonItem) -> Person:
    return Person(
        userid=item.userid,
        name=item.name,
        role=item.role,  # type: ignore[arg-type]
        scope=Scope(kind=item.scope, departments=list(item.departments or [])),  # type: ignore[arg-type]
        status=item.status,  # type: ignore[arg-type]
        wecom_departments=list(item.wecom_departments or []),
        granted_by=item.granted_by,
        updated_at=int(item.updated_at or 0),
        last_sign_in_at=None if item.last_sign_in_at is None else int(item.last_sign_in_at),
    )


# --- people -------------------------------------------------------------------------------


def grant(userid: str, grant: Grant, *, granted_by: str, name: str = "") -> Person:
    """Give ``userid`` a role and a data scope (a new grant or a change of one)."""
    _check_userid(userid)
    scope = grant.as_scope()
    existing = store.get_person(userid)
    item = existing or store.PersonItem(store.PEOPLE, store.person_sk(userid))
    item.userid = userid
    item.name = name or (existing.name if existing else "")
    item.role = grant.role
    item.scope = scope.kind
    item.departments = list(scope.departments)
    item.status = "active"
    item.granted_by = granted_by
    item.updated_at = int(time.time())
    store.save(item)
    credentials.forget_cached()
    logger.info("access granted", extra={"userid": userid, "role": grant.role})
    return _person(item)


def revoke(userid: str, *, status: str = "revoked", by: str = "") -> Person:
    """End ``userid``'s access: the grant is kept (marked) and every session ends."""
    item = store.get_person(userid)
    if item is None:
        raise NotFound(f"{userid} has no access to revoke")
    item.status = status
    item.granted_by = by or item.granted_by
    item.updated_at = int(time.time())
    store.save(item)
    end_sessions(userid)
    logger.info("access revoked", extra={"userid": userid, "status": status})
    return _person(item)


def people() -> list[Person]:
    return [_person(item) for item in store.people()]


def person(userid: str) -> Person:
    item = store.get_person(userid)
    if item is None:
        raise NotFound(f"{userid} has no access")
    return _person(item)


# --- sessions -----------------------------------------------------------------------------


def sessions(userid: str) -> list[SessionInfo]:
    now = int(time.time())
    found = []
    for item in store.sessions_of(userid):
        ends = credentials.session_ends_at(item)
        if ends <= now:
            continue
        found.append(
            SessionInfo(
                session_id=item.pk,
                userid=item.userid,
                created_at=int(item.created_at),
                last_seen_at=int(item.last_seen_at),
                expires_at=ends,
                user_agent=item.user_agent,
                via="oauth" if item.via == "oauth" else "web",
            )
        )
    return found


def end_session(userid: str, session_id: str) -> None:
    item = store.get_session(session_id)
    if item is None or item.userid != userid:
        raise NotFound("no such session")
    store.delete_session(session_id)
    credentials.forget_cached()


def end_sessions(userid: str) -> int:
    ended = 0
    for item in list(store.sessions_of(userid)):
        store.delete_session(item.pk)
        ended += 1
    credentials.forget_cached()
    return ended


# --- API keys -------------------------------------------------------------------------------


def _api_key(item: store.ApiKeyItem) -> ApiKey:
    return ApiKey(
        key_id=item.key_id,
        name=item.name,
        role=item.role,  # type: ignore[arg-type]
        scope=Scope(kind=item.scope, departments=list(item.departments or [])),  # type: ignore[arg-type]
        created_at=int(item.created_at),
        created_by=item.created_by,
        expires_at=int(item.expires_at),
        last_used_at=None if item.last_used_at is None else int(item.last_used_at),
        revoked_at=None if item.revoked_at is None else int(item.revoked_at),
    )


def create_api_key(request: NewApiKey, *, created_by: str) -> CreatedApiKey:
    """A new key: ``scrm_<key id>_<secret>``, shown once; only the secret's hash is kept."""
    scope = request.as_scope()
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    now = int(time.time())
    item = store.ApiKeyItem(
        store.API_KEYS,
        store.key_sk(key_id),
        key_id=key_id,
        name=request.name,
        secret_hash=credentials.digest(secret),
        role=request.role,
        scope=scope.kind,
        departments=list(scope.departments),
        created_at=now,
        created_by=created_by,
        expires_at=now + request.expires_in_days * 86400,
    )
    store.save(item)
    return CreatedApiKey(
        **_api_key(item).model_dump(), key=f"{credentials.API_KEY_PREFIX}{key_id}_{secret}"
    )


def api_keys() -> list[ApiKey]:
    return sorted(
        (_api_key(item) for item in store.api_keys()), key=lambda k: k.created_at, reverse=True
    )


def revoke_api_key(key_id: str) -> ApiKey:
    item = store.get_api_key(key_id)
    if item is None:
        raise NotFound("no such API key")
    if item.revoked_at is None:
        item.revoked_at = int(time.time())
        store.save(item)
    credentials.forget_cached()
    return _api_key(item)


# --- in step with WeCom ---------------------------------------------------------------------


def member_changed(userid: str, *, deleted: bool = False, status: int | None = None) -> None:
    """WeCom says a member was deleted, disabled or changed (``change_contact``)."""
    if deleted:
        directory.forget(userid)
        member: Member | None = None
    else:
        member = directory.fetch_member(userid)
        if member is not None and status is not None:
            member = member.model_copy(update={"status": status})
            directory.remember(member)
    item = store.get_person(userid)
    if item is None:
        return
    if member is None or not member.active:
        if item.status == "active":
            revoke(userid, status="disabled", by="wecom")
    elif item.status == "disabled":
        # Enabled again in WeCom: the grant an admin gave comes back (unless revoked since).
        store.update_person(
            userid, expect_status="disabled", status="active", updated_at=int(time.time())
        )
        credentials.forget_cached()


def reconcile() -> dict[str, int]:
    """The daily check: every granted member WeCom no longer has active loses access; the
    department tree is read again."""
    checked = disabled = 0
    try:
        directory.department_tree(refresh=True)
    except Exception:  # noqa: BLE001 - the people check still runs
        logger.exception("department tree not refreshed")
    for item in store.people():
        if item.status == "revoked":
            continue
        checked += 1
        before = item.status
        member_changed(item.userid)
        after = store.get_person(item.userid)
        if after is not None and before == "active" and after.status == "disabled":
            disabled += 1
    return {"checked": checked, "disabled": disabled}
