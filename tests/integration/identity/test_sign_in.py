"""WeCom sign-in through the callback, and every way it refuses (a page, never a 500)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.identity import (
    CONSOLE_URL,
    Browser,
    callback,
    grant,
    set_cookie_headers,
    set_cookies,
    sign_in,
    start_login,
)


def test_login_redirects_to_wecom_web_login_with_a_state_bound_to_the_browser(
    client: Any,
) -> None:
    response = client.http.get("/auth/wecom/login?next=/contacts/wm1")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        "https://login.work.weixin.qq.com/wwlogin/sso/login"
    )
    query = parse_qs(location.query)
    assert query["login_type"] == ["CorpApp"]
    assert query["appid"] == ["ww0123456789abcdef"] and query["agentid"] == ["1000002"]
    assert query["redirect_uri"] == [f"{CONSOLE_URL}/api/auth/wecom/callback"]
    assert len(query["state"][0]) >= 24
    (cookie,) = set_cookie_headers(response)
    assert cookie.startswith("scrm_login=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=600" in cookie
    assert "Secure" not in cookie  # STAGE=local


def test_oauth_redirects_to_the_snsapi_base_authorize_page(client: Any) -> None:
    response = client.http.get("/auth/wecom/oauth")
    location = response.headers["Location"]
    assert location.startswith("https://open.weixin.qq.com/connect/oauth2/authorize?")
    assert location.endswith("#wechat_redirect")
    query = parse_qs(urlsplit(location.split("#")[0]).query)
    assert query["scope"] == ["snsapi_base"] and query["response_type"] == ["code"]


def test_a_granted_member_signs_in_and_the_session_works(client: Any, members: Any) -> None:
    grant("zhangsan", "operator", "own")
    state, login_cookie = start_login(client, "/contacts/wm1?tab=orders")
    response = callback(client, members.login_code("zhangsan"), state, login_cookie)
    assert response.status_code == 302
    assert response.headers["Location"] == "/contacts/wm1?tab=orders"
    headers = {h.split("=")[0]: h for h in set_cookie_headers(response)}
    assert "HttpOnly" in headers["scrm_session"] and "SameSite=Lax" in headers["scrm_session"]
    assert "Path=/" in headers["scrm_session"]
    assert "HttpOnly" not in headers["scrm_csrf"]  # the console reads it
    assert "Max-Age=0" in headers["scrm_login"]  # the state is spent
    browser = Browser(client, set_cookies(response))

    me = browser.get("/auth/me")
    assert me.status_code == 200
    body = me.json_body
    assert body["userid"] == "zhangsan" and body["name"] == "张三"
    assert body["role"] == "operator"
    assert body["scope"] == {"kind": "own", "departments": []}
    assert body["expires_at"] > 0
    assert body["timezone"] == "Asia/Shanghai"  # the console counts days where the API does


def test_the_session_cookie_is_secure_outside_the_local_stage(
    client: Any, members: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.core.settings import reset_settings

    monkeypatch.setenv("STAGE", "prod")
    reset_settings()
    grant("zhangsan")
    state, login_cookie = start_login(client)
    response = callback(client, members.login_code("zhangsan"), state, login_cookie)
    assert all("Secure" in h for h in set_cookie_headers(response))


@pytest.mark.parametrize(
    "next_path",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "/api/admin/people",
        "/../api",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x",
    ],
)
def test_return_paths_outside_the_allow_list_go_home(
    client: Any, members: Any, next_path: str
) -> None:
    from urllib.parse import quote

    grant("zhangsan")
    browser_state, login_cookie = start_login(client, quote(next_path, safe=""))
    response = callback(client, members.login_code("zhangsan"), browser_state, login_cookie)
    assert response.status_code == 302
    assert response.headers["Location"] == "/" or next_path == "/%0d%0aSet-Cookie:x"
    assert "\n" not in response.headers["Location"] and "\r" not in response.headers["Location"]


def _refused(response: Any, status: int, words: str) -> None:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"].startswith("text/html")
    assert words in response.body.decode()
    assert "scrm_session" not in set_cookies(response)


def test_a_reused_code_is_refused(client: Any, members: Any) -> None:
    grant("zhangsan")
    code = members.login_code("zhangsan")
    state, login_cookie = start_login(client)
    assert callback(client, code, state, login_cookie).status_code == 302
    state, login_cookie = start_login(client)
    _refused(callback(client, code, state, login_cookie), 401, "already used")


def test_a_forged_code_is_refused(client: Any, members: Any) -> None:
    grant("zhangsan")
    state, login_cookie = start_login(client)
    _refused(callback(client, "forged-code", state, login_cookie), 401, "not valid")


def test_an_expired_code_is_refused(client: Any, members: Any) -> None:
    grant("zhangsan")
    code = members.login_code("zhangsan", ttl_s=-1)
    state, login_cookie = start_login(client)
    _refused(callback(client, code, state, login_cookie), 401, "expired")


def test_a_wrong_state_is_refused(client: Any, members: Any) -> None:
    grant("zhangsan")
    _, login_cookie = start_login(client)
    code = members.login_code("zhangsan")
    _refused(callback(client, code, "someone-elses-state", login_cookie), 401, "does not belong")
    assert not members.login_codes[code]["used"]  # refused before the code was spent


def test_a_callback_without_the_browsers_state_cookie_is_refused(client: Any, members: Any) -> None:
    grant("zhangsan")
    state, login_cookie = start_login(client)
    response = client.http.get(
        f"/auth/wecom/callback?code={members.login_code('zhangsan')}&state={state}"
    )
    _refused(response, 401, "did not start this sign-in")
    forged = login_cookie[:-4] + ("0000" if not login_cookie.endswith("0000") else "1111")
    _refused(callback(client, members.login_code("zhangsan"), state, forged), 401, "Start again")


def test_an_unknown_member_is_refused(client: Any, members: Any) -> None:
    state, login_cookie = start_login(client)
    _refused(callback(client, members.login_code("ghost"), state, login_cookie), 401, "Unknown")


def test_a_member_without_a_grant_is_refused(client: Any, members: Any) -> None:
    state, login_cookie = start_login(client)
    _refused(callback(client, members.login_code("lisi"), state, login_cookie), 403, "no access")


def test_a_member_disabled_in_wecom_is_refused(client: Any, members: Any) -> None:
    grant("lisi")
    members.member("lisi", "李四", [2], status=2)
    state, login_cookie = start_login(client)
    _refused(callback(client, members.login_code("lisi"), state, login_cookie), 403, "disabled")


def test_a_revoked_person_cannot_sign_in(client: Any, members: Any) -> None:
    from chalicelib.identity import service

    grant("lisi")
    service.revoke("lisi")
    state, login_cookie = start_login(client)
    _refused(callback(client, members.login_code("lisi"), state, login_cookie), 403, "no access")


def test_no_code_is_refused_and_a_missing_console_url_is_a_clear_503(
    client: Any, members: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    state, login_cookie = start_login(client)
    _refused(
        client.http.get(
            f"/auth/wecom/callback?state={state}", headers={"Cookie": f"scrm_login={login_cookie}"}
        ),
        401,
        "no sign-in code",
    )
    from chalicelib.core.settings import reset_settings

    monkeypatch.delenv("CONSOLE_URL")
    reset_settings()
    response = client.http.get("/auth/wecom/login")
    assert response.status_code == 503
    assert response.json_body["error"] == "console_url_missing"


def test_writes_by_cookie_need_the_csrf_header(client: Any, members: Any) -> None:
    grant("zhangsan", "admin", "all")
    browser = sign_in(client, members, "zhangsan")
    body = b'{"role": "viewer", "scope": "own"}'
    missing = browser.send("PUT", "/admin/people/lisi", body, csrf=False)
    assert missing.status_code == 403 and missing.json_body["error"] == "csrf_refused"
    wrong = browser.send("PUT", "/admin/people/lisi", body, csrf=False, **{"X-CSRF-Token": "x"})
    assert wrong.status_code == 403 and wrong.json_body["error"] == "csrf_refused"
    done = browser.send("PUT", "/admin/people/lisi", body)
    assert done.status_code == 200, done.body
    assert done.json_body["role"] == "viewer"
    # A bearer credential is not a cookie: no CSRF header needed.
    from tests.support.admin import bearer

    by_token = client.http.put(
        "/admin/people/wangwu",
        headers={**bearer("admin"), "Content-Type": "application/json"},
        body=body,
    )
    assert by_token.status_code == 200


def test_logout_ends_the_session_and_clears_the_cookies(client: Any, members: Any) -> None:
    grant("zhangsan")
    browser = sign_in(client, members, "zhangsan")
    assert browser.send("POST", "/auth/logout", csrf=False).status_code == 403
    response = browser.send("POST", "/auth/logout")
    assert response.status_code == 204
    assert all("Max-Age=0" in h for h in set_cookie_headers(response))
    assert browser.get("/auth/me").status_code == 401


def test_a_session_idle_past_its_limit_is_refused(
    client: Any, members: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.identity import store
    from chalicelib.identity.credentials import forget_cached

    grant("zhangsan")
    browser = sign_in(client, members, "zhangsan")
    session_id = browser.cookies["scrm_session"].split(".")[0]
    item = store.get_session(session_id)
    assert item is not None
    item.last_seen_at = item.last_seen_at - 12 * 3600 - 1
    item.save()
    forget_cached()
    response = browser.get("/auth/me")
    assert response.status_code == 401 and "expired" in response.json_body["message"]
    assert store.get_session(session_id) is None


def test_sessions_last_at_most_twelve_hours_idle() -> None:
    from pydantic import ValidationError

    from chalicelib.core.settings import Settings

    with pytest.raises(ValidationError):
        Settings.from_env({"SESSION_IDLE_S": str(12 * 3600 + 1)})
    with pytest.raises(ValidationError):
        Settings.from_env({"AUTH_CACHE_S": "61"})
