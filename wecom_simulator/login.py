"""WeCom's sign-in pages, played for the browser.

- ``GET /wwlogin/sso/login?login_type=CorpApp&appid=<corp id>&agentid=<agent id>&
  redirect_uri=…&state=…``: the web login. WeCom shows a QR code (or the signed-in desktop
  client's confirm button); here a page lists the corp's active members, each a link.
- ``GET /connect/oauth2/authorize?appid=…&redirect_uri=…&response_type=code&
  scope=snsapi_base&state=…&agentid=…``: OAuth2 inside the WeCom client. The client knows
  who is signed in; here ``&userid=<member>`` picks them, else the same member page.
- ``GET /wwlogin/sso/choose?userid=…&redirect_uri=…&state=…``: choosing a member; 302 to
  ``redirect_uri`` with ``code`` (single use, five minutes) and the same ``state``.
"""

from __future__ import annotations

import secrets
from html import escape
from urllib.parse import urlencode

from wecom_simulator.engine import Engine
from wecom_simulator.state import ACTIVE, LoginCode

CODE_TTL_S = 300.0

Answer = tuple[int, dict[str, str], bytes]


def _page(status: int, title: str, body: str) -> Answer:
    html = (
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return status, {"Content-Type": "text/html; charset=utf-8"}, html.encode()


def _error(message: str) -> Answer:
    return _page(400, "企业微信登录失败", f"<p class='error'>{escape(message)}</p>")


def _with_query(url: str, params: dict[str, str]) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def _check_app(engine: Engine, query: dict[str, str], appid_name: str) -> str | None:
    if query.get(appid_name) != engine.config.corp_id:
        return "appid is not this corp's id"
    if query.get("agentid") != str(engine.config.agent_id):
        return "agentid is not this corp's app"
    if not query.get("redirect_uri", "").startswith(("http://", "https://")):
        return "redirect_uri must be an http(s) URL"
    return None


def _members_page(engine: Engine, redirect_uri: str, state: str, title: str) -> Answer:
    with engine.lock:
        members = [s for s in engine.world.staff.values() if s.status == ACTIVE]
    link = (
        "<li><a class='member' data-userid='{u}' href='/wwlogin/sso/choose?{q}'>{n} ({u})</a></li>"
    )
    items = "".join(
        link.format(
            u=escape(m.userid),
            n=escape(m.name),
            q=escape(urlencode({"userid": m.userid, "redirect_uri": redirect_uri, "state": state})),
        )
        for m in members
    )
    return _page(200, title, f"<p>选择登录的成员</p><ul>{items}</ul>")


def web_login(engine: Engine, query: dict[str, str]) -> Answer:
    if query.get("login_type") != "CorpApp":
        return _error("login_type must be CorpApp")
    problem = _check_app(engine, query, "appid")
    if problem:
        return _error(problem)
    return _members_page(engine, query["redirect_uri"], query.get("state", ""), "企业微信登录")


def oauth_authorize(engine: Engine, query: dict[str, str]) -> Answer:
    if query.get("response_type") != "code" or query.get("scope") not in (
        "snsapi_base",
        "snsapi_privateinfo",
    ):
        return _error("response_type must be code and scope snsapi_base")
    problem = _check_app(engine, query, "appid")
    if problem:
        return _error(problem)
    if query.get("userid"):
        return choose(engine, query)
    return _members_page(engine, query["redirect_uri"], query.get("state", ""), "企业微信授权")


def issue_code(engine: Engine, userid: str) -> str:
    code = secrets.token_urlsafe(24)
    with engine.lock:
        engine.world.login_codes[code] = LoginCode(code, userid, engine.now() + CODE_TTL_S)
    return code


def choose(engine: Engine, query: dict[str, str]) -> Answer:
    userid, redirect_uri = query.get("userid", ""), query.get("redirect_uri", "")
    if not redirect_uri.startswith(("http://", "https://")):
        return _error("redirect_uri must be an http(s) URL")
    with engine.lock:
        member = engine.world.staff.get(userid)
        if member is None or member.status != ACTIVE:
            return _error(f"{userid} is not an active member")
    code = issue_code(engine, userid)
    location = _with_query(redirect_uri, {"code": code, "state": query.get("state", "")})
    return 302, {"Location": location}, b""
