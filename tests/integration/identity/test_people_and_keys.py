"""Admins grant and revoke people, end sessions and manage API keys; tokens live a day."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest

from tests.support.admin import bearer
from tests.support.identity import grant, sign_in


def _json(method: str, client: Any, path: str, body: Any = None, **headers: str) -> Any:
    return client.http.request(
        method,
        path,
        headers={"Content-Type": "application/json", **(headers or bearer("admin"))},
        body=None if body is None else json.dumps(body).encode(),
    )


def test_admins_grant_list_and_revoke_people(client: Any, members: Any) -> None:
    answer = _json("PUT", client, "/admin/people/lisi", {"role": "staff", "scope": "own"})
    assert answer.status_code == 200 and answer.json_body["status"] == "active"
    answer = _json(
        "PUT",
        client,
        "/admin/people/wangwu",
        {"role": "viewer", "scope": "departments", "departments": [3]},
    )
    assert answer.json_body["scope"] == {"kind": "departments", "departments": [3]}
    bad = _json("PUT", client, "/admin/people/x", {"role": "viewer", "scope": "departments"})
    assert bad.status_code == 400 and bad.json_body["error"] == "invalid"
    bad = _json("PUT", client, "/admin/people/x", {"role": "root"})
    assert bad.status_code == 400
    listed = _json("GET", client, "/admin/people").json_body["items"]
    assert {p["userid"]: p["role"] for p in listed} == {"lisi": "staff", "wangwu": "viewer"}

    browser = sign_in(client, members, "lisi")
    assert browser.get("/auth/me").status_code == 200
    revoked = _json("DELETE", client, "/admin/people/lisi")
    assert revoked.status_code == 200 and revoked.json_body["status"] == "revoked"
    refused = browser.get("/auth/me")
    assert refused.status_code == 401 and refused.json_body["error"] == "unauthenticated"
    assert _json("DELETE", client, "/admin/people/nobody").status_code == 404


def test_admins_list_and_end_sessions_one_or_all(client: Any, members: Any) -> None:
    grant("zhangsan", "viewer", "own")
    first = sign_in(client, members, "zhangsan")
    second = sign_in(client, members, "zhangsan")
    sessions = _json("GET", client, "/admin/people/zhangsan/sessions").json_body["items"]
    assert len(sessions) == 2
    one = first.cookies["scrm_session"].split(".")[0]
    assert {s["session_id"] for s in sessions} >= {one}
    assert all(s["expires_at"] > time.time() for s in sessions)
    gone = _json("DELETE", client, f"/admin/people/zhangsan/sessions/{one}")
    assert gone.status_code == 204
    assert first.get("/auth/me").status_code == 401
    assert second.get("/auth/me").status_code == 200
    assert _json("DELETE", client, "/admin/people/zhangsan/sessions").json_body == {"ended": 1}
    assert second.get("/auth/me").status_code == 401
    # The grant stays: they can sign in again.
    assert sign_in(client, members, "zhangsan").get("/auth/me").status_code == 200


def test_a_revoked_person_is_refused_by_every_process_within_the_cache_time(
    client: Any, members: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process revoking (here: the table written directly, this process's cache not
    told) is seen once the cache time (AUTH_CACHE_S, at most 60 s) has passed."""
    from chalicelib.core.settings import reset_settings
    from chalicelib.identity import store

    monkeypatch.setenv("AUTH_CACHE_S", "1")
    reset_settings()
    grant("zhangsan")
    browser = sign_in(client, members, "zhangsan")
    assert browser.get("/auth/me").status_code == 200
    item = store.get_person("zhangsan")
    assert item is not None
    item.status = "revoked"
    item.save()
    deadline = time.monotonic() + 10
    while browser.get("/auth/me").status_code == 200:
        assert time.monotonic() < deadline, "still admitted after the cache time"
        time.sleep(0.1)
    assert browser.get("/auth/me").status_code == 401


def test_a_bearer_token_of_a_revoked_person_is_refused(client: Any, members: Any) -> None:
    from chalicelib.identity import service

    grant("lisi", "admin")
    assert (
        client.http.get("/admin/people", headers=bearer("admin", subject="lisi")).status_code == 200
    )
    service.revoke("lisi")
    answer = client.http.get("/admin/people", headers=bearer("admin", subject="lisi"))
    assert answer.status_code == 401


def test_api_keys_are_shown_once_stored_hashed_used_and_revoked(client: Any) -> None:
    from chalicelib.identity import store

    created = _json(
        "POST",
        client,
        "/admin/api-keys",
        {"name": "BI export", "role": "viewer", "expires_in_days": 30},
    )
    assert created.status_code == 201, created.body
    body = created.json_body
    key, key_id = body["key"], body["key_id"]
    assert key.startswith(f"scrm_{key_id}_")
    assert body["expires_at"] - body["created_at"] == 30 * 86400
    item = store.get_api_key(key_id)
    assert item is not None and key.split("_", 2)[2] not in json.dumps(item.attribute_values)

    listed = _json("GET", client, "/admin/api-keys").json_body["items"]
    assert [k["key_id"] for k in listed] == [key_id] and "key" not in listed[0]
    assert listed[0]["last_used_at"] is None

    as_key = {"Authorization": f"Bearer {key}"}
    answer = client.http.get("/admin/callbacks/dead-letters", headers=as_key)
    assert answer.status_code == 200, answer.body
    weak = client.http.get("/admin/people", headers=as_key)
    assert weak.status_code == 403 and weak.json_body["error"] == "role_required"
    used = _json("GET", client, "/admin/api-keys").json_body["items"][0]
    assert used["last_used_at"] is not None

    assert _json("DELETE", client, f"/admin/api-keys/{key_id}").json_body["revoked_at"]
    refused = client.http.get("/admin/callbacks/dead-letters", headers=as_key)
    assert refused.status_code == 401 and "revoked" in refused.json_body["message"]
    wrong = f"scrm_{key_id}_not-the-secret"
    assert (
        client.http.get(
            "/admin/callbacks/dead-letters", headers={"Authorization": f"Bearer {wrong}"}
        ).status_code
        == 401
    )


def test_api_keys_live_a_year_at_most_and_expire(client: Any) -> None:
    from chalicelib.identity import store

    too_long = _json(
        "POST", client, "/admin/api-keys", {"name": "x", "role": "viewer", "expires_in_days": 366}
    )
    assert too_long.status_code == 400 and "expires_in_days" in too_long.json_body["message"]
    created = _json("POST", client, "/admin/api-keys", {"name": "x", "role": "viewer"}).json_body
    item = store.get_api_key(created["key_id"])
    assert item is not None
    item.expires_at = int(time.time()) - 1
    item.save()
    answer = client.http.get(
        "/admin/callbacks/dead-letters", headers={"Authorization": f"Bearer {created['key']}"}
    )
    assert answer.status_code == 401 and "expired" in answer.json_body["message"]


def test_api_key_routes_are_admin_only(client: Any) -> None:
    answer = _json(
        "POST", client, "/admin/api-keys", {"name": "x", "role": "admin"}, **bearer("operator")
    )
    assert answer.status_code == 403


def test_tokens_living_longer_than_a_day_are_refused(client: Any) -> None:
    from chalicelib.auth.tokens import mint

    with pytest.raises(ValueError, match="one day"):
        mint("x", "admin", ttl_s=86401)
    now = int(time.time())
    long_lived = jwt.encode(
        {
            "sub": "x",
            "role": "admin",
            "iss": "scrm",
            "aud": "scrm-admin",
            "iat": now,
            "exp": now + 10 * 365 * 86400,
        },
        "admin-jwt-secret-for-tests-only-0123456789",
        algorithm="HS256",
    )
    answer = client.http.get("/admin/people", headers={"Authorization": f"Bearer {long_lived}"})
    assert answer.status_code == 401 and "longer than a day" in answer.json_body["message"]


def test_the_signing_key_rotates_and_must_be_long(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.auth.tokens import WeakSigningKey, mint
    from chalicelib.identity.credentials import forget_cached

    old_key = "the-previous-signing-key-of-this-stage-0123"
    old_token = mint("x", "admin", key=old_key)
    refused = client.http.get("/admin/people", headers={"Authorization": f"Bearer {old_token}"})
    assert refused.status_code == 401
    monkeypatch.setenv("ADMIN_JWT_SECRET_PREVIOUS", old_key)
    accepted = client.http.get("/admin/people", headers={"Authorization": f"Bearer {old_token}"})
    assert accepted.status_code == 200
    with pytest.raises(WeakSigningKey):
        mint("x", "admin", key="short")
    monkeypatch.setenv("ADMIN_JWT_SECRET", "too-short")
    forget_cached()  # this process trusted the token a moment ago
    answer = client.http.get("/admin/people", headers={"Authorization": f"Bearer {old_token}"})
    assert answer.status_code == 503 and answer.json_body["error"] == "secret_too_short"


def test_the_cli_mints_a_day_at_most_and_grants_the_first_admin(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.auth.tokens import verify
    from cli.__main__ import main

    with pytest.raises(SystemExit):
        main(["token", "--role", "admin", "--ttl", "86401"])
    assert (
        main(["token", "--role", "viewer", "--scope", "departments", "--departments", "2,3"]) == 0
    )
    token = verify(capsys.readouterr().out.strip())
    assert token.role == "viewer" and token.scope == "departments" and token.departments == (2, 3)

    assert main(["users", "grant", "zhangsan", "--role", "admin", "--scope", "all"]) == 0
    assert "granted zhangsan: admin, scope all" in capsys.readouterr().out
    assert main(["users", "list"]) == 0
    assert "zhangsan" in capsys.readouterr().out
    assert main(["users", "revoke", "zhangsan"]) == 0
    assert main(["users", "revoke", "nobody"]) == 1
    with pytest.raises(SystemExit):
        main(["users", "grant", "lisi", "--role", "viewer", "--scope", "departments"])
