"""Control routes under ``/_sim/``: inspect the simulator, steer it, and play the
customers' side (each action changes the world and pushes the matching callback).

The world is changed under the engine's lock; callbacks are pushed after the lock is
released, so the product may call the API while it handles the callback.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from wecom_simulator.api import handover, mass
from wecom_simulator.api.common import Ctx
from wecom_simulator.api.tags import del_corp_tag
from wecom_simulator.engine import Engine
from wecom_simulator.errors import ApiError
from wecom_simulator.events import chat_event, contact_event, member_event, tag_event
from wecom_simulator.state import (
    ACTIVE,
    DISABLED,
    RESIGNED,
    Customer,
    Follow,
    GroupChat,
    GroupMember,
    Staff,
    Tag,
    TagGroup,
    WelcomeCode,
    World,
)

Json = dict[str, Any]


class ControlError(Exception):
    """A bad control request: answered ``{"error": message}`` with ``status``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def need(body: Json, name: str) -> Any:
    value = body.get(name)
    if value in (None, "", []):
        raise ControlError(f"{name} is required")
    return value


def id_list(body: Json, name: str) -> list[str]:
    value = need(body, name)
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ControlError(f"{name} must be a list of strings")
    return list(value)


class Controls:
    """The ``/_sim`` routes of one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.routes: dict[tuple[str, str], Callable[[Json, dict[str, str]], Any]] = {
            ("GET", "log"): self.log,
            ("GET", "callbacks"): self.callbacks,
            ("GET", "state"): self.state,
            ("GET", "config"): self.get_config,
            ("POST", "config"): self.set_config,
            ("POST", "reset"): self.reset,
            ("POST", "tokens/expire"): self.expire_tokens,
            ("GET", "faults"): self.get_faults,
            ("POST", "faults"): self.set_faults,
            ("DELETE", "faults"): self.clear_faults,
            ("GET", "clock"): self.get_clock,
            ("POST", "clock"): self.set_clock,
            ("GET", "staff"): self.get_staff,
            ("POST", "staff"): self.set_staff,
            ("POST", "members/add"): self.member_add,
            ("POST", "members/disable"): self.member_disable,
            ("POST", "members/enable"): self.member_enable,
            ("POST", "members/delete"): self.member_delete,
            ("POST", "departments"): self.set_departments,
            ("POST", "login/code"): self.login_code,
            ("POST", "customers/add"): self.customer_add,
            ("POST", "customers/delete_member"): self.customer_deletes_member,
            ("POST", "customers/deleted_by_member"): self.member_deletes_customer,
            ("POST", "customers/edit"): self.customer_edit,
            ("POST", "groups/create"): self.group_create,
            ("POST", "groups/join"): self.group_join,
            ("POST", "groups/leave"): self.group_leave,
            ("POST", "groups/dismiss"): self.group_dismiss,
            ("POST", "tags/changed"): self.tags_changed,
            ("POST", "callbacks/push"): self.raw_push,
            ("POST", "callbacks/verify_url"): self.verify_url,
            ("POST", "transfers/complete"): self.transfers_complete,
        }

    def handle(self, method: str, path: str, body: Any, query: dict[str, str]) -> tuple[int, Any]:
        """``(status, JSON)`` for ``/_sim/<path>``."""
        path = path.strip("/")
        if body is None:
            body = {}
        if not isinstance(body, dict):
            return 400, {"error": "the body must be a JSON object"}
        confirm = re.fullmatch(r"msg_templates/([^/]+)/confirm", path)
        handler = (
            (lambda b, q: self.confirm(confirm.group(1), b))
            if confirm and method == "POST"
            else self.routes.get((method, path))
        )
        if handler is None:
            known = any(p == path for _, p in self.routes) or confirm
            return (405 if known else 404), {"error": f"no control route {method} /_sim/{path}"}
        try:
            return 200, handler(body, query)
        except ControlError as error:
            return error.status, {"error": str(error)}
        except ApiError as error:
            return 400, {"error": error.errmsg, "errcode": error.errcode}

    # --- helpers --------------------------------------------------------------------------

    @property
    def world(self) -> World:
        return self.engine.world

    def _push(self, xml: str, body: Json) -> Json:
        timestamp = body.get("timestamp")
        return self.engine.push(
            xml,
            url=body.get("callback_url"),
            run_async=bool(body.get("async", False)),
            timestamp=None if timestamp is None else int(timestamp),
        )

    def _corp(self) -> str:
        return self.engine.config.corp_id

    def _ts(self) -> int:
        return int(self.engine.now())

    # --- inspection and steering ----------------------------------------------------------

    def log(self, body: Json, query: dict[str, str]) -> Any:
        return self.engine.calls(query.get("path"))

    def callbacks(self, body: Json, query: dict[str, str]) -> Any:
        rows = self.engine.pusher.deliveries()
        if "push_id" in query:
            rows = [r for r in rows if str(r["push_id"]) == query["push_id"]]
        return rows

    def state(self, body: Json, query: dict[str, str]) -> Any:
        with self.engine.lock:
            return self.world.snapshot()

    def get_config(self, body: Json, query: dict[str, str]) -> Any:
        return self.engine.config.public()

    def set_config(self, body: Json, query: dict[str, str]) -> Any:
        try:
            changed = self.engine.config.update(body)
        except (ValueError, TypeError) as error:
            raise ControlError(str(error)) from error
        return {"changed": changed}

    def reset(self, body: Json, query: dict[str, str]) -> Any:
        self.engine.reset()
        return {"ok": True}

    def expire_tokens(self, body: Json, query: dict[str, str]) -> Any:
        return {"expired": self.engine.tokens.expire_all(self.engine.now())}

    def get_faults(self, body: Json, query: dict[str, str]) -> Any:
        return {"rules": self.engine.faults.rules()}

    def set_faults(self, body: Json, query: dict[str, str]) -> Any:
        rules = body.get("rules")
        if not isinstance(rules, list):
            raise ControlError("rules must be a list")
        seed = body.get("seed")
        self.engine.faults.set(
            rules, seed=None if seed is None else int(seed), append=bool(body.get("append", False))
        )
        return {"rules": self.engine.faults.rules()}

    def clear_faults(self, body: Json, query: dict[str, str]) -> Any:
        self.engine.faults.clear()
        return {"rules": []}

    def get_clock(self, body: Json, query: dict[str, str]) -> Any:
        return {"now": self.engine.now(), "offset_s": self.engine.clock_offset}

    def set_clock(self, body: Json, query: dict[str, str]) -> Any:
        if "advance_s" in body:
            self.engine.clock_offset += float(body["advance_s"])
        elif "offset_s" in body:
            self.engine.clock_offset = float(body["offset_s"])
        else:
            raise ControlError("advance_s or offset_s is required")
        return self.get_clock(body, query)

    def get_staff(self, body: Json, query: dict[str, str]) -> Any:
        with self.engine.lock:
            return [s.to_json() for s in self.world.staff.values()]

    def set_staff(self, body: Json, query: dict[str, str]) -> Any:
        rows = body.get("staff", [body])
        if not isinstance(rows, list):
            raise ControlError("staff must be a list")
        with self.engine.lock:
            for row in rows:
                userid = need(row, "userid")
                member = self.world.staff.get(userid) or Staff(userid, row.get("name") or userid)
                member.name = row.get("name") or member.name
                member.department = list(row.get("department") or member.department)
                resigned = row.get("resigned", member.status == RESIGNED)
                if resigned and member.status != RESIGNED:
                    member.dimission_time = self._ts()
                member.status = RESIGNED if resigned else ACTIVE
                self.world.staff[userid] = member
            return [s.to_json() for s in self.world.staff.values()]

    # --- members (each change pushes WeCom's change_contact callback) ---------------------

    def member_add(self, body: Json, query: dict[str, str]) -> Any:
        userid = need(body, "userid")
        with self.engine.lock:
            if userid in self.world.staff:
                raise ControlError(f"{userid} is already a member", 409)
            member = Staff(userid, body.get("name") or userid, list(body.get("department") or [1]))
            self.world.staff[userid] = member
            xml = member_event(
                self._corp(),
                self._ts(),
                "create_user",
                userid,
                name=member.name,
                departments=member.department,
                status=member.status,
            )
        return {"member": member.to_json(), "delivery": self._push(xml, body)}

    def _set_status(self, body: Json, status: int) -> Any:
        userid = need(body, "userid")
        with self.engine.lock:
            member = self.world.staff.get(userid)
            if member is None:
                raise ControlError(f"{userid} is not a member", 404)
            member.status = status
            xml = member_event(self._corp(), self._ts(), "update_user", userid, status=status)
        return {"member": member.to_json(), "delivery": self._push(xml, body)}

    def member_disable(self, body: Json, query: dict[str, str]) -> Any:
        return self._set_status(body, DISABLED)

    def member_enable(self, body: Json, query: dict[str, str]) -> Any:
        return self._set_status(body, ACTIVE)

    def member_delete(self, body: Json, query: dict[str, str]) -> Any:
        userid = need(body, "userid")
        with self.engine.lock:
            if self.world.staff.pop(userid, None) is None:
                raise ControlError(f"{userid} is not a member", 404)
            xml = member_event(self._corp(), self._ts(), "delete_user", userid)
        return {"userid": userid, "delivery": self._push(xml, body)}

    def set_departments(self, body: Json, query: dict[str, str]) -> Any:
        rows = body.get("departments")
        if not isinstance(rows, list):
            raise ControlError("departments must be a list of {id, name, parentid}")
        with self.engine.lock:
            self.world.departments = {
                int(need(r, "id")): (str(r.get("name") or r["id"]), int(r.get("parentid") or 0))
                for r in rows
            }
        return {"departments": len(rows)}

    def login_code(self, body: Json, query: dict[str, str]) -> Any:
        """A sign-in code for ``userid`` as if they had chosen themselves on the login page."""
        from wecom_simulator.login import issue_code

        return {"code": issue_code(self.engine, need(body, "userid"))}

    # --- customers ------------------------------------------------------------------------

    def _pick_user(self, way: Json) -> str:
        users = [u for u in way.get("user") or [] if self.world.active_staff(u)]
        if not users:
            raise ControlError("the contact way has no active member")
        turn = way.get("_turn", 0)
        way["_turn"] = turn + 1
        return str(users[turn % len(users)])

    def customer_add(self, body: Json, query: dict[str, str]) -> Any:
        engine = self.engine
        with engine.lock:
            world, now = self.world, engine.now()
            way = None
            if body.get("config_id"):
                way = world.contact_ways.get(body["config_id"])
                if way is None:
                    raise ControlError("unknown config_id", 404)
            userid = body.get("userid") or (self._pick_user(way) if way else None)
            if not userid:
                raise ControlError("userid (or config_id) is required")
            if not world.active_staff(userid):
                raise ControlError(f"{userid} is not an active staff member", 404)
            state = body.get("state")
            if state is None:
                state = (way or {}).get("state") or ""
            external_userid = body.get("external_userid") or world.new_id("wm")
            if (userid, external_userid) in world.follows:
                raise ControlError(f"{external_userid} is already a contact of {userid}", 409)
            customer = world.customers.get(external_userid)
            if customer is None:
                customer = Customer(
                    external_userid,
                    body.get("name") or f"Customer {len(world.customers) + 1}",
                    type=int(body.get("type", 1)),
                    gender=int(body.get("gender", 0)),
                    unionid=body.get("unionid") or "",
                    avatar=body.get("avatar") or "",
                    corp_name=body.get("corp_name") or "",
                )
                world.customers[external_userid] = customer
            world.follows[(userid, external_userid)] = Follow(
                userid,
                external_userid,
                int(now),
                remark=body.get("remark") or "",
                add_way=int(body.get("add_way", 1)),
                oper_userid=external_userid,
                state=state,
            )
            world.history.append((int(now), userid, "add"))
            code = None
            if body.get("welcome", True):
                code = world.new_id("WC")
                world.welcome_codes[code] = WelcomeCode(
                    code, userid, external_userid, now + engine.config.welcome_code_ttl_s
                )
            change = "add_half_external_contact" if body.get("half") else "add_external_contact"
            xml = contact_event(
                self._corp(),
                int(now),
                change,
                userid,
                external_userid,
                state=state,
                welcome_code=code,
            )
        return {
            "external_userid": external_userid,
            "userid": userid,
            "state": state,
            "welcome_code": code,
            "xml": xml,
            "delivery": self._push(xml, body),
        }

    def _remove_follow(self, body: Json, change: str) -> Json:
        with self.engine.lock:
            userid, external_userid = need(body, "userid"), need(body, "external_userid")
            if self.world.follows.pop((userid, external_userid), None) is None:
                raise ControlError(f"{external_userid} is not a contact of {userid}", 404)
            now = self._ts()
            self.world.history.append((now, userid, change))
            xml = contact_event(
                self._corp(), now, change, userid, external_userid, source=body.get("source")
            )
        return {
            "external_userid": external_userid,
            "userid": userid,
            "xml": xml,
            "delivery": self._push(xml, body),
        }

    def customer_deletes_member(self, body: Json, query: dict[str, str]) -> Any:
        return self._remove_follow(body, "del_follow_user")

    def member_deletes_customer(self, body: Json, query: dict[str, str]) -> Any:
        return self._remove_follow(body, "del_external_contact")

    def customer_edit(self, body: Json, query: dict[str, str]) -> Any:
        with self.engine.lock:
            userid, external_userid = need(body, "userid"), need(body, "external_userid")
            follow = self.world.follows.get((userid, external_userid))
            if follow is None:
                raise ControlError(f"{external_userid} is not a contact of {userid}", 404)
            for name in ("remark", "description"):
                if name in body:
                    setattr(follow, name, str(body[name]))
            if "remark_mobiles" in body:
                follow.remark_mobiles = list(body["remark_mobiles"])
            if "name" in body:
                self.world.customers[external_userid].name = str(body["name"])
            for tag_id in list(body.get("add_tag") or []) + list(body.get("remove_tag") or []):
                if self.world.tag(tag_id) is None:
                    raise ControlError(f"unknown tag {tag_id}", 404)
            remove = set(body.get("remove_tag") or [])
            follow.tag_ids = [t for t in follow.tag_ids if t not in remove]
            follow.tag_ids += [t for t in body.get("add_tag") or [] if t not in follow.tag_ids]
            xml = contact_event(
                self._corp(), self._ts(), "edit_external_contact", userid, external_userid
            )
        return {
            "external_userid": external_userid,
            "userid": userid,
            "xml": xml,
            "delivery": self._push(xml, body),
        }

    # --- groups ---------------------------------------------------------------------------

    def _member(self, userid: str, now: int, scene: int, invitor: str) -> GroupMember:
        staff = self.world.staff.get(userid)
        customer = self.world.customers.get(userid)
        if staff is not None:
            return GroupMember(userid, 1, now, scene, invitor, name=staff.name)
        return GroupMember(
            userid,
            2,
            now,
            scene,
            invitor,
            unionid=customer.unionid if customer else "",
            name=customer.name if customer else userid,
        )

    def _chat(self, body: Json) -> GroupChat:
        chat = self.world.group_chats.get(need(body, "chat_id"))
        if chat is None:
            raise ControlError("unknown chat_id", 404)
        return chat

    def group_create(self, body: Json, query: dict[str, str]) -> Any:
        with self.engine.lock:
            owner = need(body, "owner")
            if not self.world.active_staff(owner):
                raise ControlError(f"{owner} is not an active staff member", 404)
            now = self._ts()
            chat_id = body.get("chat_id") or self.world.new_id("wr")
            if chat_id in self.world.group_chats:
                raise ControlError(f"{chat_id} exists", 409)
            chat = GroupChat(
                chat_id, body.get("name") or "", owner, now, notice=body.get("notice") or ""
            )
            for userid in [owner, *(body.get("members") or [])]:
                if userid not in chat.members:
                    chat.members[userid] = self._member(
                        userid, now, 1, "" if userid == owner else owner
                    )
            self.world.group_chats[chat_id] = chat
            xml = chat_event(self._corp(), now, chat_id, "create")
        return {
            "chat_id": chat_id,
            "member_version": chat.version(),
            "xml": xml,
            "delivery": self._push(xml, body),
        }

    def group_join(self, body: Json, query: dict[str, str]) -> Any:
        with self.engine.lock:
            chat = self._chat(body)
            now, scene = self._ts(), int(body.get("join_scene", 3))
            joined = [u for u in id_list(body, "members") if u not in chat.members]
            if not joined:
                raise ControlError("every member is already in the chat", 409)
            invitor = body.get("invitor") or ("" if scene == 3 else chat.owner)
            for userid in joined:
                chat.members[userid] = self._member(userid, now, scene, invitor)
            last = chat.version()
            chat.member_version += 1
            xml = chat_event(
                self._corp(),
                now,
                chat.chat_id,
                "update",
                update_detail="add_member",
                join_scene=scene,
                members=joined,
                last_version=last,
                current_version=chat.version(),
            )
        return {
            "chat_id": chat.chat_id,
            "members": joined,
            "member_version": chat.version(),
            "xml": xml,
            "delivery": self._push(xml, body),
        }

    def group_leave(self, body: Json, query: dict[str, str]) -> Any:
        with self.engine.lock:
            chat = self._chat(body)
            left = [u for u in id_list(body, "members") if u in chat.members and u != chat.owner]
            if not left:
                raise ControlError("none of these members can leave the chat", 409)
            for userid in left:
                del chat.members[userid]
            last = chat.version()
            chat.member_version += 1
            xml = chat_event(
                self._corp(),
                self._ts(),
                chat.chat_id,
                "update",
                update_detail="del_member",
                quit_scene=int(body.get("quit_scene", 0)),
                members=left,
                last_version=last,
                current_version=chat.version(),
            )
        return {
            "chat_id": chat.chat_id,
            "members": left,
            "member_version": chat.version(),
            "xml": xml,
            "delivery": self._push(xml, body),
        }

    def group_dismiss(self, body: Json, query: dict[str, str]) -> Any:
        with self.engine.lock:
            chat = self._chat(body)
            del self.world.group_chats[chat.chat_id]
            xml = chat_event(self._corp(), self._ts(), chat.chat_id, "dismiss")
        return {"chat_id": chat.chat_id, "xml": xml, "delivery": self._push(xml, body)}

    # --- tags -----------------------------------------------------------------------------

    def tags_changed(self, body: Json, query: dict[str, str]) -> Any:
        change = need(body, "change_type")
        if change not in ("create", "update", "delete", "shuffle"):
            raise ControlError("change_type must be create, update, delete or shuffle")
        tag_type = body.get("tag_type", "tag")
        with self.engine.lock:
            world, now = self.world, self._ts()
            target = str(body.get("id") or "")
            if change == "create" and tag_type == "tag" and body.get("name"):
                group = self._tag_group(body, now)
                tag = Tag(world.new_id("et"), str(body["name"]), now)
                group.tags[tag.id] = tag
                target = tag.id
            elif change == "create" and tag_type == "tag_group" and body.get("group_name"):
                group = self._tag_group(body, now)
                for name in body.get("tags") or []:
                    tag = Tag(world.new_id("et"), str(name), now)
                    group.tags[tag.id] = tag
                target = group.group_id
            elif change == "update" and target and body.get("name"):
                group_found = world.tag_groups.get(target)
                found = world.tag(target)
                if group_found is not None:
                    group_found.group_name = str(body["name"])
                elif found is not None:
                    found[1].name = str(body["name"])
                else:
                    raise ControlError(f"unknown tag or group {target}", 404)
            elif change == "delete" and target:
                key = "group_id" if target in world.tag_groups else "tag_id"
                del_corp_tag(
                    Ctx(
                        world,
                        self.engine.config,
                        now,
                        {key: [target]},
                        self.engine.public_base_url,
                        self.engine.limiter,
                    )
                )
            xml = tag_event(
                self._corp(),
                now,
                target,
                change,
                tag_type=None if change == "shuffle" else tag_type,
                strategy_id=body.get("strategy_id"),
            )
        return {"id": target, "xml": xml, "delivery": self._push(xml, body)}

    def _tag_group(self, body: Json, now: int) -> TagGroup:
        world = self.world
        if body.get("group_id"):
            group = world.tag_groups.get(body["group_id"])
            if group is None:
                raise ControlError("unknown group_id", 404)
            return group
        name = str(body.get("group_name") or "Default")
        for group in world.tag_groups.values():
            if group.group_name == name:
                return group
        group = TagGroup(world.new_id("et"), name, now)
        world.tag_groups[group.group_id] = group
        return group

    # --- raw callbacks, URL verification --------------------------------------------------

    def raw_push(self, body: Json, query: dict[str, str]) -> Any:
        xml = need(body, "xml")
        if not isinstance(xml, str):
            raise ControlError("xml must be a string")
        return self._push(xml, body)

    def verify_url(self, body: Json, query: dict[str, str]) -> Any:
        return self.engine.pusher.verify_url(body.get("callback_url"))

    # --- mass messages and transfers ------------------------------------------------------

    def confirm(self, msgid: str, body: Json) -> Any:
        with self.engine.lock:
            return mass.confirm(
                self.world,
                msgid,
                body.get("userid"),
                self._ts(),
                self.engine.config.mass_receive_per_day,
            )

    def transfers_complete(self, body: Json, query: dict[str, str]) -> Any:
        with self.engine.lock:
            settled, pushes = handover.complete(
                self.world,
                self._corp(),
                self._ts(),
                body.get("external_userid"),
                body.get("fail_reason"),
            )
        return {"transfers": settled, "deliveries": [self._push(xml, body) for xml in pushes]}
