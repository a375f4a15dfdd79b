"""The simulator's sign-in: WeCom's web login and OAuth2 pages, one-time codes exchanged by
auth/getuserinfo, members (user/get), departments, and member changes pushed as callbacks."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.simulator.conftest import AGENT_ID, CORP_ID, Client, Clock, Receiver
from wecom_simulator import Simulator

REDIRECT = "https://console.example/api/auth/wecom/callback"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with _OPENER.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def login_page(sim: Simulator, **overrides: str) -> tuple[int, str]:
    query = {
        "login_type": "CorpApp",
        "appid": CORP_ID,
        "agentid": AGENT_ID,
        "redirect_uri": REDIRECT,
        "state": "st4te",
        **overrides,
    }
    status, _, body = get(f"{sim.base_url}/wwlogin/sso/login?{urlencode(query)}")
    return status, body


def choose(sim: Simulator, page: str, userid: str) -> dict[str, list[str]]:
    links = dict(re.findall(r"data-userid='([^']+)' href='([^']+)'", page))
    status, headers, _ = get(sim.base_url + unescape(links[userid]))
    assert status == 302
    location = headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return parse_qs(urlsplit(location).query)


def test_the_login_page_lists_the_members_and_choosing_one_returns_a_code(
    sim: Simulator, client: Client
) -> None:
    status, page = login_page(sim)
    assert status == 200 and "张三" in page and "wangwu" in page
    query = choose(sim, page, "zhangsan")
    assert query["state"] == ["st4te"]
    answer = client.api("auth/getuserinfo", code=query["code"][0])
    assert answer["errcode"] == 0 and answer["userid"] == "zhangsan"


def test_a_code_works_once_and_for_five_minutes(
    sim: Simulator, client: Client, clock: Clock
) -> None:
    _, page = login_page(sim)
    code = choose(sim, page, "lisi")["code"][0]
    assert client.api("auth/getuserinfo", code=code)["userid"] == "lisi"
    assert client.api("auth/getuserinfo", code=code)["errcode"] == 40029
    late = choose(sim, page, "lisi")["code"][0]
    clock.advance(301)
    assert client.api("auth/getuserinfo", code=late)["errcode"] == 40029
    assert client.api("auth/getuserinfo", code="forged")["errcode"] == 40029


def test_the_login_page_refuses_another_corp_or_app(sim: Simulator) -> None:
    assert login_page(sim, appid="wwother")[0] == 400
    assert login_page(sim, agentid="999")[0] == 400
    assert login_page(sim, login_type="ServiceApp")[0] == 400
    assert login_page(sim, redirect_uri="javascript:alert(1)")[0] == 400


def test_oauth_authorize_picks_the_member_in_the_client(sim: Simulator, client: Client) -> None:
    query = urlencode(
        {
            "appid": CORP_ID,
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": "h5",
            "agentid": AGENT_ID,
            "userid": "wangwu",
        }
    )
    status, headers, _ = get(f"{sim.base_url}/connect/oauth2/authorize?{query}")
    assert status == 302
    code = parse_qs(urlsplit(headers["Location"]).query)["code"][0]
    assert client.api("auth/getuserinfo", code=code)["userid"] == "wangwu"


def test_user_get_and_department_list_answer_like_a_self_built_app(client: Client) -> None:
    member = client.api("user/get", userid="wangwu")
    assert (member["name"], member["department"], member["status"]) == ("王五", [2], 1)
    assert "mobile" not in member and "avatar" not in member and "email" not in member
    assert client.api("user/get", userid="ghost")["errcode"] == 60111
    tree = {d["id"]: d["parentid"] for d in client.api("department/list")["department"]}
    assert tree == {1: 0, 2: 1, 3: 1}
    assert {d["id"] for d in client.api("department/list", id=2)["department"]} == {2}


def test_member_changes_push_change_contact_callbacks(
    sim: Simulator, client: Client, receiver: Receiver
) -> None:
    client.ctl("POST", "members/add", {"userid": "zhaoliu", "name": "赵六", "department": [3]})
    client.ctl("POST", "members/disable", {"userid": "zhaoliu"})
    assert client.api("user/get", userid="zhaoliu")["status"] == 2
    _, page = login_page(sim)
    assert "zhaoliu" not in page
    client.ctl("POST", "members/delete", {"userid": "zhaoliu"})
    assert client.api("user/get", userid="zhaoliu")["errcode"] == 60111
    sim.wait_for_pushes()
    events = [receiver.decrypted(r) for r in receiver.posts()]
    assert len(events) == 3
    assert all("<Event><![CDATA[change_contact]]></Event>" in e for e in events)
    assert "create_user" in events[0] and "<Department><![CDATA[3]]></Department>" in events[0]
    assert "update_user" in events[1] and "<Status>2</Status>" in events[1]
    assert "delete_user" in events[2]
