"""Group live codes: one WeCom group join way (``groupchat/add_join_way``) over up to 5
customer groups, with full groups rotated out for the next ones.

The rotation happens on the event, not on a timer: when a group's membership changes
(``change_external_chat`` / ``add_member``, after the groups context has stored the new
count) every code holding that group recomputes its active groups and, only if they
changed, rewrites its join way (``update_join_way``). Joins through the QR (JoinScene 3)
of a code's active groups are credited to that code; the way's state is ``gc:<code>``.
"""

from __future__ import annotations

import time
from typing import Any

from chalicelib.core.observability import logger
from chalicelib.livecodes import store
from chalicelib.livecodes.errors import LiveCodeExpired, LiveCodeNotFound
from chalicelib.livecodes.models import GroupCode, GroupCodeIn, GroupCodeStats
from chalicelib.wecom.client import get_client

ADD_JOIN_WAY = "externalcontact/groupchat/add_join_way"
GET_JOIN_WAY = "externalcontact/groupchat/get_join_way"
UPDATE_JOIN_WAY = "externalcontact/groupchat/update_join_way"
DEL_JOIN_WAY = "externalcontact/groupchat/del_join_way"
MAX_ACTIVE = 5
JOINED_BY_QR = 3


def state_of(code: str) -> str:
    return f"gc:{code}"


def put_group_code(code: str, body: GroupCodeIn, principal: str) -> GroupCode:
    old = _load(code)
    active = active_groups(body)
    config_id = old.config_id if old else ""
    qr_code = old.qr_code if old else ""
    client = get_client()
    payload = _payload(code, body, active)
    if config_id:
        client.post(UPDATE_JOIN_WAY, data={"config_id": config_id, **payload})
    else:
        config_id = str(client.post(ADD_JOIN_WAY, data=payload)["config_id"])
    if not qr_code:
        answer = client.post(GET_JOIN_WAY, data={"config_id": config_id})
        qr_code = str((answer.get("join_way") or {}).get("qr_code") or "")
    saved = GroupCode(
        **body.model_dump(),
        code=code,
        config_id=config_id,
        qr_code=qr_code,
        state=state_of(code),
        active=active,
        updated_at=int(time.time()),
        updated_by=principal,
    )
    before = set(old.chat_ids) if old else set()
    _save(saved, sorted(set(body.chat_ids) - before), sorted(before - set(body.chat_ids)))
    logger.info("group code saved", extra={"code": code, "active": len(active)})
    return saved


def get_group_code(code: str) -> GroupCode:
    found = _load(code)
    if found is None:
        raise LiveCodeNotFound(f"no group code {code}")
    return found


def list_group_codes() -> list[GroupCode]:
    return [found for code in store.list_group_codes() if (found := _load(code)) is not None]


def delete_group_code(code: str) -> None:
    found = get_group_code(code)
    if found.config_id:
        get_client().post(DEL_JOIN_WAY, data={"config_id": found.config_id})
    store.delete_group_doc(code, found.chat_ids)


def active_groups(body: GroupCodeIn) -> list[str]:
    """The first groups (at most 5) still under ``max_members``, in the configured order.
    When every group is full the last one stays (WeCom opens a new one from it when
    ``auto_create_room`` is on): a join way needs at least one group."""
    from chalicelib.groups import queries as groups

    open_groups = []
    for chat_id in body.chat_ids:
        profile = groups.group(chat_id)
        if profile is not None and profile.status == "dismissed":
            continue
        count = profile.member_count if profile is not None else 0
        if count < body.max_members:
            open_groups.append(chat_id)
        if len(open_groups) == MAX_ACTIVE:
            break
    return open_groups or [body.chat_ids[-1]]


def rotate(chat_id: str) -> list[str]:
    """Bring the join ways of every code holding ``chat_id`` in step with the groups'
    member counts; the codes whose groups changed."""
    changed = []
    for code in store.group_codes_of(chat_id):
        found = _load(code)
        if found is None:
            continue
        active = active_groups(found)
        if active == found.active:
            continue
        get_client().post(
            UPDATE_JOIN_WAY, data={"config_id": found.config_id, **_payload(code, found, active)}
        )
        _save(found.model_copy(update={"active": active, "updated_at": int(time.time())}), [], [])
        logger.info("group code rotated", extra={"code": code, "active": active})
        changed.append(code)
    return changed


def count_joins(effect_id: str, chat_id: str, joins: int, day: str) -> list[str]:
    """Credit QR joins of ``chat_id`` to the codes whose active groups include it."""
    credited = []
    for code in store.group_codes_of(chat_id):
        found = _load(code)
        if found is not None and chat_id in found.active:
            store.count_joins_once(f"{effect_id}#{code}", code, day, joins)
            credited.append(code)
    return credited


def scan(code: str, at: float | None = None) -> str:
    """The join way's QR for one scan, counted per day."""
    from chalicelib.livecodes.service import now_local

    found = _load(code)
    if found is None or not found.qr_code:
        raise LiveCodeNotFound(f"no group code {code}")
    local = now_local(at)
    if found.expires_at is not None and local.timestamp() >= found.expires_at:
        raise LiveCodeExpired(f"group code {code} has expired")
    store.count_group_scan(code, local.date().isoformat())
    return found.qr_code


def stats(code: str, day: str) -> GroupCodeStats:
    get_group_code(code)
    counters = store.group_day(code, day)
    return GroupCodeStats(
        code=code, day=day, scans=counters.get("scans", 0), joins=counters.get("joins", 0)
    )


def _payload(code: str, body: GroupCodeIn, active: list[str]) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "scene": 2,
        "remark": f"group code {code}"[:30],
        "auto_create_room": 1 if body.auto_create_room else 0,
        "chat_id_list": active,
        "state": state_of(code),
    }
    if body.auto_create_room and body.room_base_name:
        payload["room_base_name"] = body.room_base_name
        payload["room_base_id"] = body.room_base_id or 1
    return payload


def _load(code: str) -> GroupCode | None:
    doc = store.get_group_doc(code)
    return None if doc is None else GroupCode.model_validate(doc)


def _save(found: GroupCode, joined: list[str], left: list[str]) -> None:
    store.put_group_doc(found.code, found.model_dump(mode="json"), found.updated_at, joined, left)
