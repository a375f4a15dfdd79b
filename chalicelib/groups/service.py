"""Customer groups: refresh from WeCom, the periodic reconcile, and the admin reads.

``groupchat/get`` is the truth about a group. Callback deltas keep the mirror current
between refreshes (see :mod:`chalicelib.groups.handlers`); WeCom may deliver them out of
order or not at all, so any doubt is settled by a refresh, and a periodic reconcile walks
``groupchat/list`` to repair what no event told us.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.core.errors import NotFound
from chalicelib.core.observability import logger
from chalicelib.core.settings import get_settings
from chalicelib.groups import store
from chalicelib.groups.models import (
    ACTIVE,
    UNAVAILABLE,
    Group,
    GroupChat,
    GroupDay,
    GroupDetail,
    GroupPage,
    GroupStats,
    Member,
    MemberOf,
    ReconcileRun,
)
from chalicelib.reports.queries import group_days
from chalicelib.wecom.client import get_client
from chalicelib.wecom.errors import WeComError, WeComUnavailable

#: WeCom's "invalid chat_id": the group is dismissed or no longer visible to the app.
INVALID_CHAT_ID = 40050
GROUPCHAT_LIST = "externalcontact/groupchat/list"
MAX_LIST_LIMIT = 1000


def now_ms() -> int:
    return time.time_ns() // 1_000_000


# --- keeping the mirror ----------------------------------------------------------------


def refresh_group(chat_id: str) -> bool:
    """Replace the stored group with what ``groupchat/get`` answers now.

    The observation time is taken before the call, so a state stored by anything that
    happened after we asked (a delta, a later refresh) is kept. False when nothing was
    written: a newer state was already stored, or WeCom no longer knows the group.
    """
    seen_at = now_ms()
    try:
        raw = get_client().get_group_chat(chat_id)
    except WeComError as error:
        if not error.has_code(INVALID_CHAT_ID):
            raise
        logger.warning("group no longer answered by wecom", extra={"chat_id": chat_id})
        if store.get_profile(chat_id) is not None:
            store.set_status(chat_id, UNAVAILABLE, seen_at, int(time.time()))
        return False
    chat = GroupChat.model_validate({"chat_id": chat_id, **raw})
    return store.save_snapshot(chat, ACTIVE, seen_at, int(time.time()))


def reconcile(
    *,
    max_groups: int = 300,
    page_size: int = 100,
    budget_s: float = 600.0,
    clock: Callable[[], float] = time.monotonic,
) -> ReconcileRun:
    """Refresh every group WeCom lists, a bounded amount per run, resuming where the last
    run stopped (the ``groupchat/list`` cursor is kept in the runtime-state table).

    Work is saved page by page: a run that stops early (its budget, a timeout, WeCom
    unavailable) loses at most the page in hand, which the next run does again; refreshes
    are idempotent. A cycle ends when WeCom gives no next cursor; the next run starts over.
    """
    limit = max(1, min(page_size, max_groups, MAX_LIST_LIMIT))
    state = store.reconcile_state()
    cursor = state.cursor or ""
    started = clock()
    refreshed = failed = 0
    finished = False
    client = get_client()
    while refreshed + failed < max_groups and clock() - started < budget_s:
        page = client.post(GROUPCHAT_LIST, {"status_filter": 0, "cursor": cursor, "limit": limit})
        done_in_page = 0
        for row in page.get("group_chat_list") or []:
            chat_id = str(row.get("chat_id") or "")
            if not chat_id:
                continue
            try:
                refresh_group(chat_id)
            except WeComUnavailable:
                raise  # the page is done again by the next run
            except WeComError as error:
                failed += 1
                logger.warning(
                    "group refresh failed", extra={"chat_id": chat_id, "errcode": error.errcode}
                )
                continue
            done_in_page += 1
        refreshed += done_in_page
        cursor = str(page.get("next_cursor") or "")
        store.save_reconcile_state(state, cursor or None, done_in_page, int(time.time()))
        if not cursor:
            finished = True
            break
    logger.info(
        "groups reconciled",
        extra={"refreshed": refreshed, "failed": failed, "finished_cycle": finished},
    )
    return ReconcileRun(
        refreshed=refreshed, failed=failed, cursor=cursor or None, finished_cycle=finished
    )


# --- reading --------------------------------------------------------------------------


def list_groups(limit: int, cursor: str | None) -> GroupPage:
    """A page of the groups by chat id; the cursor is opaque (the last chat id given)."""
    from chalicelib.core.paging import decode, encode, invalid_cursor

    document = decode(cursor)
    after = None if document is None else document.get("after")
    if document is not None and (set(document) != {"after"} or not isinstance(after, str)):
        raise invalid_cursor()
    items, following = store.listing(limit, after)
    opaque = encode({"after": following}) if following else None
    return GroupPage(items=[_group(item) for item in items], cursor=opaque, next_cursor=opaque)


def get_group(chat_id: str) -> GroupDetail:
    profile = store.get_profile(chat_id)
    if profile is None:
        raise NotFound(f"no customer group {chat_id}", code="group_not_found")
    return GroupDetail(
        group=_group(profile), members=[_member(item) for item in store.members(chat_id)]
    )


def group_stats(chat_id: str, days: int, now: int | None = None) -> GroupStats:
    """Joins and leaves per local day over the last ``days`` days, today included."""
    if store.get_profile(chat_id) is None:
        raise NotFound(f"no customer group {chat_id}", code="group_not_found")
    at = now_ms() // 1000 if now is None else now
    today = datetime.fromtimestamp(at, ZoneInfo(get_settings().timezone)).date()
    wanted = [(today - timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]
    counted = group_days(chat_id, wanted)
    return GroupStats(
        chat_id=chat_id,
        days=[GroupDay.model_validate({"day": day, **counted.get(day, {})}) for day in wanted],
    )


def contact_groups(external_userid: str, limit: int) -> list[MemberOf]:
    """The groups a customer is in, or has left (the ``by_member`` index)."""
    return contact_groups_page(external_userid, limit, None)[0]


def contact_groups_page(
    external_userid: str, limit: int, cursor: str | None
) -> tuple[list[MemberOf], str | None]:
    """A page of the groups a customer is in, or has left (the ``by_member`` index)."""
    items, following = store.groups_of_page(external_userid, limit, cursor)
    return [
        MemberOf(
            chat_id=item.chat_id,
            status=str(item.status),
            join_time=_maybe_int(item.join_time),
            join_scene=_maybe_int(item.join_scene),
            left_at=_maybe_int(item.left_at),
        )
        for item in items
    ], following


def _group(item: store.GroupItem) -> Group:
    return Group(
        chat_id=item.chat_id,
        name=item.name or "",
        owner=item.owner or "",
        notice=item.notice or "",
        create_time=int(item.create_time or 0),
        member_count=int(item.member_count or 0),
        member_version=item.member_version or "",
        status=item.status or ACTIVE,
        updated_at=int(item.updated_at or 0),
    )


def _member(item: store.GroupItem) -> Member:
    return Member(
        userid=str(item.member_id),
        type=int(item.type or 0),
        status=str(item.status),
        join_time=_maybe_int(item.join_time),
        join_scene=_maybe_int(item.join_scene),
        invitor=item.invitor or "",
        unionid=item.unionid or "",
        name=item.name or "",
        left_at=_maybe_int(item.left_at),
        quit_scene=_maybe_int(item.quit_scene),
    )


def _maybe_int(value: float | None) -> int | None:
    return None if value is None else int(value)
