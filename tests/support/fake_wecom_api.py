"""A fake WeCom at the level of :class:`chalicelib.wecom.client.WeComClient`'s methods.

It keeps customers and their followers, answers ``externalcontact/get`` like WeCom (84061
for a customer it does not know), records every send, and raises :class:`WeComError` with
codes scripted per call (41051 / 41096 / 41050 for welcome messages).
"""

from __future__ import annotations

import copy
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.wecom.errors import NO_RELATIONSHIP, WeComError
from tests.conftest import CORP_ID


class FakeWeComApi:
    #: What ``WeComClient.access_token`` gives (the health check asks for it).
    access_token = "fake-access-token"

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.contacts: dict[str, dict[str, Any]] = {}
        self.tag_groups: list[dict[str, Any]] = []
        self.welcome_errors: deque[int] = deque()
        self.welcomes: list[dict[str, Any]] = []
        self.welcome_attempts = 0
        self.marks: list[dict[str, Any]] = []
        self.app_messages: list[dict[str, Any]] = []
        self.gets: list[str] = []
        self.ways: dict[str, dict[str, Any]] = {}
        #: Members (``user/get``), the department tree and one-time sign-in codes.
        self.members: dict[str, dict[str, Any]] = {}
        self.departments: list[dict[str, Any]] = [
            {"id": 1, "parentid": 0, "name": "总部"},
            {"id": 2, "parentid": 1, "name": "华东销售部"},
            {"id": 3, "parentid": 1, "name": "华南销售部"},
            {"id": 4, "parentid": 2, "name": "上海门店"},
        ]
        self.login_codes: dict[str, dict[str, Any]] = {}
        self.way_calls: list[tuple[str, dict[str, Any]]] = []
        self._next_way = 0
        self.members: dict[str, str] = {"zhangsan": "张三", "lisi": "李四", "wangwu": "王五"}
        self.user_gets: list[str] = []
        #: The address book (``user/simplelist``): department id → members
        #: ``{userid, name, department}``.
        self.address_book: dict[int, list[dict[str, Any]]] = {}
        self.address_book_reads = 0

    # --- scripting ------------------------------------------------------------------------

    def customer(
        self, external_userid: str, name: str = "Alice", gender: int = 2, unionid: str = ""
    ) -> None:
        self.contacts.setdefault(
            external_userid,
            {
                "external_contact": {
                    "external_userid": external_userid,
                    "name": name,
                    "type": 1,
                    "gender": gender,
                    "avatar": "https://img.test/a.png",
                    "unionid": unionid,
                },
                "follow_user": [],
            },
        )

    def follow(
        self,
        external_userid: str,
        userid: str,
        *,
        createtime: int,
        state: str = "",
        remark: str = "",
        tags: Sequence[str] = (),
        remark_mobiles: Sequence[str] = (),
    ) -> None:
        self.customer(external_userid)
        followers = self.contacts[external_userid]["follow_user"]
        followers[:] = [f for f in followers if f["userid"] != userid]
        followers.append(
            {
                "userid": userid,
                "remark": remark,
                "description": "",
                "createtime": createtime,
                "tags": [{"tag_id": t, "tag_name": t, "group_name": "g", "type": 1} for t in tags],
                "remark_mobiles": list(remark_mobiles),
                "add_way": 1,
                "oper_userid": external_userid,
                "state": state,
            }
        )

    def member(
        self, userid: str, name: str = "", department: Sequence[int] = (1,), status: int = 1
    ) -> None:
        self.members[userid] = {
            "userid": userid,
            "name": name or userid,
            "department": list(department),
            "status": status,
        }

    def login_code(self, userid: str, *, ttl_s: float = 300) -> str:
        """A code as WeCom's login page issues it: single use, five minutes."""
        import secrets
        import time

        code = secrets.token_urlsafe(16)
        self.login_codes[code] = {"userid": userid, "until": time.time() + ttl_s, "used": False}
        return code

    def unfollow(self, external_userid: str, userid: str) -> None:
        followers = self.contacts[external_userid]["follow_user"]
        followers[:] = [f for f in followers if f["userid"] != userid]

    # --- the client's methods -----------------------------------------------------------

    def member_name(self, userid: str) -> str:
        """``user/get``'s name (60111 for a member the corp does not have)."""
        self.user_gets.append(userid)
        if userid not in self.members:
            raise WeComError(60111, "userid not found", "user/get")
        return self.members[userid]

    def get_external_contact(self, external_userid: str) -> dict[str, Any]:
        with self.lock:
            self.gets.append(external_userid)
            if external_userid not in self.contacts:
                raise WeComError(NO_RELATIONSHIP, "no relationship", "externalcontact/get")
            return copy.deepcopy(self.contacts[external_userid])

    def send_welcome_msg(
        self,
        welcome_code: str,
        text: str | None = None,
        attachments: Sequence[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        with self.lock:
            self.welcome_attempts += 1
            if self.welcome_errors:
                code = self.welcome_errors.popleft()
                raise WeComError(code, "scripted", "externalcontact/send_welcome_msg")
            if any(w["welcome_code"] == welcome_code for w in self.welcomes):
                raise WeComError(41051, "already sent", "externalcontact/send_welcome_msg")
            self.welcomes.append(
                {"welcome_code": welcome_code, "text": text, "attachments": list(attachments)}
            )
            return {"errcode": 0}

    def mark_tag(
        self, userid: str, external_userid: str, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> dict[str, Any]:
        with self.lock:
            mark = {"userid": userid, "external_userid": external_userid, "add": list(add)}
            if remove:
                mark["remove"] = list(remove)
            self.marks.append(mark)
            for follower in self.contacts.get(external_userid, {}).get("follow_user", []):
                if follower["userid"] == userid:
                    follower["tags"] = [t for t in follower["tags"] if t["tag_id"] not in remove]
                    have = {t["tag_id"] for t in follower["tags"]}
                    follower["tags"] += [
                        {"tag_id": t, "tag_name": t, "group_name": "g", "type": 1}
                        for t in add
                        if t not in have
                    ]
            return {"errcode": 0}

    def get(self, url: str, params: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        """``auth/getuserinfo``, ``user/get``, ``department/list`` and the address book
        (``department/simplelist``, ``user/simplelist``) as WeCom answers them."""
        import time

        query = dict(params or {})
        with self.lock:
            if url == "auth/getuserinfo":
                issued = self.login_codes.get(str(query.get("code")))
                if issued is None or issued["used"] or time.time() >= issued["until"]:
                    raise WeComError(40029, "invalid code", url)
                issued["used"] = True
                return {"errcode": 0, "userid": issued["userid"]}
            if url == "user/get":
                found = self.members.get(str(query.get("userid")))
                if found is None:
                    raise WeComError(60111, "userid not found", url)
                return {"errcode": 0, **copy.deepcopy(found)}
            if url == "department/list":
                return {"errcode": 0, "department": copy.deepcopy(self.departments)}
            if url == "department/simplelist":
                self.address_book_reads += 1
                ids = sorted(self.address_book)
                return {"department_id": [{"id": d, "parentid": 1, "order": d} for d in ids]}
            if url == "user/simplelist":
                department = int(query["department_id"])
                if department not in self.address_book:
                    raise WeComError(60123, "department not found", url)
                return {"userlist": copy.deepcopy(self.address_book[department])}
        raise WeComError(404, "not faked", url)

    def get_corp_tag_list(
        self, tag_ids: Sequence[str] = (), group_ids: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        return copy.deepcopy(self.tag_groups)

    def post(self, url: str, data: Any = None, **kwargs: Any) -> dict[str, Any]:
        """Contact ways (``add/update/del_contact_way``), recorded, as WeCom keeps them."""
        body = copy.deepcopy(dict(data or {}))
        with self.lock:
            self.way_calls.append((url, body))
            if url in ("externalcontact/add_contact_way", "externalcontact/update_contact_way"):
                strangers = [u for u in body.get("user") or [] if u not in self.members]
                if strangers:
                    raise WeComError(60111, f"userid not found: {strangers[0]}", url)
            if url == "externalcontact/add_contact_way":
                if len(body.get("state", "")) > 30:
                    raise WeComError(40058, "state too long", url)
                self._next_way += 1
                config_id = f"cfg{self._next_way}"
                self.ways[config_id] = body
                return {
                    "errcode": 0,
                    "config_id": config_id,
                    "qr_code": f"https://qr.test/{config_id}.png",
                }
            if url == "externalcontact/update_contact_way":
                if body["config_id"] not in self.ways:
                    raise WeComError(41044, "unknown config_id", url)
                self.ways[body["config_id"]].update(body)
                return {"errcode": 0}
            if url == "externalcontact/del_contact_way":
                if self.ways.pop(body["config_id"], None) is None:
                    raise WeComError(41044, "unknown config_id", url)
                return {"errcode": 0}
            if url == "externalcontact/groupchat/add_join_way":
                if not 1 <= len(body.get("chat_id_list", [])) <= 5 or len(body["state"]) > 30:
                    raise WeComError(40058, "invalid join way", url)
                self._next_way += 1
                config_id = f"join{self._next_way}"
                self.ways[config_id] = body
                return {"errcode": 0, "config_id": config_id}
            if url == "externalcontact/groupchat/get_join_way":
                way = self.ways[body["config_id"]]
                qr = f"https://qr.test/{body['config_id']}.png"
                return {"errcode": 0, "join_way": {**way, "qr_code": qr}}
            if url == "externalcontact/groupchat/update_join_way":
                self.ways[body["config_id"]].update(body)
                return {"errcode": 0}
            if url == "externalcontact/groupchat/del_join_way":
                self.ways.pop(body["config_id"])
                return {"errcode": 0}
            raise WeComError(404, "not faked", url)

    def send_app_message(self, touser: str | Sequence[str], content: str) -> dict[str, Any]:
        with self.lock:
            self.app_messages.append({"touser": touser, "content": content})
            return {"errcode": 0}


def contact_event_xml(
    change_type: str,
    external_userid: str = "wmCustomerA",
    userid: str = "zhangsan",
    *,
    create_time: int = 1_700_000_000,
    state: str | None = None,
    welcome_code: str | None = None,
    source: str | None = None,
    fail_reason: str | None = None,
) -> str:
    optional = {
        "State": state,
        "WelcomeCode": welcome_code,
        "Source": source,
        "FailReason": fail_reason,
    }
    extra = "".join(
        f"<{name}><![CDATA[{value}]]></{name}>" for name, value in optional.items() if value
    )
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        "<FromUserName><![CDATA[sys]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[change_external_contact]]></Event>"
        f"<ChangeType><![CDATA[{change_type}]]></ChangeType>"
        f"<UserID><![CDATA[{userid}]]></UserID>"
        f"<ExternalUserID><![CDATA[{external_userid}]]></ExternalUserID>{extra}</xml>"
    )


def tag_event_xml(change_type: str = "create", tag_id: str = "etTag1") -> str:
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        "<FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1700000000</CreateTime>"
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_tag]]></Event>"
        f"<Id><![CDATA[{tag_id}]]></Id><TagType><![CDATA[tag]]></TagType>"
        f"<ChangeType><![CDATA[{change_type}]]></ChangeType></xml>"
    )


def stored_event(xml: str) -> str:
    """Store a decrypted callback in the inbox, as the callback route does; its key."""
    from chalicelib.callbacks import store
    from chalicelib.wecom.inbound import parse_event

    event = parse_event(xml)
    store.record(event, ttl_days=1)
    return event.key


def dispatch_again(xml: str) -> None:
    """Run the handlers for ``xml`` directly, as a retry after a crash before the
    completion mark would."""
    from chalicelib.callbacks.dispatch import dispatch
    from chalicelib.wecom.events import typed
    from chalicelib.wecom.inbound import parse_event

    dispatch(typed(parse_event(xml)))
