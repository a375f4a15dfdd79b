"""An in-memory WeCom for groups and handover: answers groupchat/get and list,
batch/get_by_user, transfer_customer (on-job and resigned) and transfer_result the way
WeCom does, and lets a test change the world (members join, leave, transfers settle)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.wecom.errors import WeComError

INVALID_CHAT_ID = 40050
NO_RELATIONSHIP = 84061


@dataclass
class FakeGroup:
    chat_id: str
    name: str
    owner: str
    version: int = 1
    notice: str = ""
    create_time: int = 1_700_000_000
    members: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def member_version(self) -> str:
        return f"ver-{self.chat_id}-{self.version}"


class FakeGroupWorld:
    def __init__(self) -> None:
        self.groups: dict[str, FakeGroup] = {}
        self.follows: dict[str, list[str]] = {}
        self.transfers: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail_list_after: int | None = None

    # --- changing the world ---------------------------------------------------------

    def create_group(self, chat_id: str, owner: str = "zhangsan", name: str = "VIP") -> FakeGroup:
        group = FakeGroup(chat_id=chat_id, name=name, owner=owner)
        group.members[owner] = {"userid": owner, "type": 1, "join_time": 1, "join_scene": 1}
        self.groups[chat_id] = group
        return group

    def join(self, chat_id: str, *userids: str, scene: int = 3) -> tuple[str, str]:
        group = self.groups[chat_id]
        last = group.member_version
        for userid in userids:
            group.members[userid] = {
                "userid": userid,
                "type": 2 if userid.startswith("wm") else 1,
                "join_time": 1_700_000_100,
                "join_scene": scene,
                "invitor": {"userid": group.owner},
                "unionid": f"union-{userid}",
            }
        group.version += 1
        return last, group.member_version

    def leave(self, chat_id: str, *userids: str) -> tuple[str, str]:
        group = self.groups[chat_id]
        last = group.member_version
        for userid in userids:
            group.members.pop(userid, None)
        group.version += 1
        return last, group.member_version

    def settle(self, external_userid: str, status: int) -> None:
        for transfer in self.transfers:
            if transfer["external_userid"] == external_userid and transfer["status"] == 2:
                transfer["status"] = status

    # --- the client interface ---------------------------------------------------------

    def get_group_chat(self, chat_id: str, *, need_name: bool = True) -> dict[str, Any]:
        self.calls.append(("externalcontact/groupchat/get", {"chat_id": chat_id}))
        group = self.groups.get(chat_id)
        if group is None:
            raise WeComError(INVALID_CHAT_ID, "invalid chatid", "externalcontact/groupchat/get")
        return {
            "chat_id": group.chat_id,
            "name": group.name,
            "owner": group.owner,
            "create_time": group.create_time,
            "notice": group.notice,
            "member_list": [dict(m) for m in group.members.values()],
            "admin_list": [],
            "member_version": group.member_version,
        }

    def batch_get_by_user(
        self, userids: list[str], cursor: str = "", limit: int = 100
    ) -> dict[str, Any]:
        assert 1 <= len(userids) <= 100 and 1 <= limit <= 100
        self.calls.append(("externalcontact/batch/get_by_user", {"userids": list(userids)}))
        rows = [(u, c) for u in userids for c in self.follows.get(u, [])]
        start = int(cursor) if cursor else 0
        chunk = rows[start : start + limit]
        following = start + limit
        return {
            "external_contact_list": [
                {
                    "external_contact": {"external_userid": c, "name": f"name-{c}", "type": 1},
                    "follow_info": {"userid": u, "createtime": 1_700_000_000, "tag_id": []},
                }
                for u, c in chunk
            ],
            "next_cursor": str(following) if following < len(rows) else "",
        }

    def post(self, path: str, data: dict[str, Any] | None = None, **_: Any) -> dict[str, Any]:
        data = dict(data or {})
        self.calls.append((path, data))
        if path == "externalcontact/groupchat/list":
            return self._list(data)
        if path == "externalcontact/groupchat/get":
            return {"group_chat": self.get_group_chat(data["chat_id"])}
        if path in (
            "externalcontact/transfer_customer",
            "externalcontact/resigned/transfer_customer",
        ):
            return self._transfer(data, resigned="resigned" in path)
        if path in ("externalcontact/transfer_result", "externalcontact/resigned/transfer_result"):
            return self._result(data, resigned="resigned" in path)
        raise AssertionError(f"unexpected WeCom call {path}")

    def _list(self, data: dict[str, Any]) -> dict[str, Any]:
        limit = int(data.get("limit", 100))
        assert 1 <= limit <= 1000
        if self.fail_list_after is not None:
            if self.fail_list_after <= 0:
                from chalicelib.wecom.errors import WeComUnavailable

                raise WeComUnavailable(-1, "system busy", "externalcontact/groupchat/list")
            self.fail_list_after -= 1
        chats = sorted(self.groups)
        start = int(data.get("cursor") or 0)
        chunk = chats[start : start + limit]
        following = start + limit
        return {
            "group_chat_list": [{"chat_id": c, "status": 0} for c in chunk],
            "next_cursor": str(following) if following < len(chats) else "",
        }

    def _transfer(self, data: dict[str, Any], *, resigned: bool) -> dict[str, Any]:
        customers = data["external_userid"]
        assert len(customers) <= 100, "WeCom takes at most 100 customers per call"
        assert len(data.get("transfer_success_msg") or "") <= 200
        results = []
        for external_userid in customers:
            if external_userid not in self.follows.get(data["handover_userid"], []):
                results.append({"external_userid": external_userid, "errcode": NO_RELATIONSHIP})
                continue
            self.transfers.append(
                {
                    "handover_userid": data["handover_userid"],
                    "takeover_userid": data["takeover_userid"],
                    "external_userid": external_userid,
                    "resigned": resigned,
                    "status": 2,
                    "takeover_time": 1_700_086_400,
                }
            )
            results.append({"external_userid": external_userid, "errcode": 0})
        return {"errcode": 0, "errmsg": "ok", "customer": results}

    def _result(self, data: dict[str, Any], *, resigned: bool) -> dict[str, Any]:
        rows = [
            {k: t[k] for k in ("external_userid", "status", "takeover_time")}
            for t in self.transfers
            if t["handover_userid"] == data["handover_userid"]
            and t["takeover_userid"] == data["takeover_userid"]
            and t["resigned"] == resigned
        ]
        start = int(data.get("cursor") or 0)
        chunk = rows[start : start + 2]  # small pages, so paging is exercised
        following = start + 2
        return {"customer": chunk, "next_cursor": str(following) if following < len(rows) else ""}
