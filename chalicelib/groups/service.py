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
    CUSTOMER,
    CUSTOMER_ID_PREFIXES,
    IN,
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
#: A run's time budget, well inside the reconcile function's 15-minute timeout: at about
#: 0.1 s a group, some 6,000 groups a run, and the next run (every 6 hours) goes on.
RECONCILE_BUDGET_S = 600.0


def now_ms() -> int:
    return time.time_ns() // 1_000_000


# --- keeping the mirror ----------------------------------------------------------------


def refresh_group(chat_id: str, *, tell: bool = False) -> bool:
    """Replace the stored group with what ``groupchat/get`` answers now.

    The observation time is taken before the call, so a state stored by anything that
    happened after we asked (a delta, a later refresh) is kept. False when nothing was
    written: a newer state was already stored, or WeCom no longer knows the group. With
    ``tell`` (the reconcile), customers found joined or gone are published as
    ``GroupMembersChanged``.
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
    held = _customers_in(chat_id) if tell else set()
    written = store.save_snapshot(chat, ACTIVE, seen_at, int(time.time()))
    if written and tell:
        listed = {m.userid for m in chat.member_list if _is_customer(m.userid, m.type)}
        _tell_members_changed(chat_id, held ^ listed, seen_at)
    return written


def _is_customer(userid: str, member_type: int | None) -> bool:
    return member_type == CUSTOMER or userid.startswith(CUSTOMER_ID_PREFIXES)


def _customers_in(chat_id: str) -> set[str]:
    """The customers the stored mirror holds as present in the group."""
    return {
        str(item.member_id)
        for item in store.members(chat_id)
        if item.status == IN
        and item.member_id
        and _is_customer(item.member_id, _maybe_int(item.type))
    }


def _tell_members_changed(chat_id: str, changed: set[str], seen_at: int) -> None:
    """Customers a refresh found joined or gone (the directory hears it like a delta's)."""
    from chalicelib import signals

    if changed:
        signals.publish(
            signals.GroupMembersChanged(
                effect_id=f"groups#refresh#{chat_id}#{seen_at}",
                chat_id=chat_id,
                member_ids=tuple(sorted(changed)),
                at=seen_at // 1000,
            )
        )


def reconcile(
    *,
    max_groups: int | None = None,
    page_size: int = MAX_LIST_LIMIT,
    budget_s: float = RECONCILE_BUDGET_S,
    clock: Callable[[], float] = time.monotonic,
) -> ReconcileRun:
    """Refresh every group WeCom lists, page after page of ``groupchat/list``, until the
    run's time budget is spent (``max_groups``: a cap for tests and manual runs), resuming
    where the last run stopped: the page's cursor and how many of its groups were done are
    kept in the runtime-state table after every group, so a run that stops (its budget, a
    timeout, WeCom unavailable) redoes at most the group in hand; refreshes are
    idempotent. A cycle ends when WeCom gives no next cursor; the next run starts over.
    """
    limit = max(1, min(page_size, max_groups or MAX_LIST_LIMIT, MAX_LIST_LIMIT))
    state = store.reconcile_state()
    cursor, skip = state.cursor or "", int(state.offset or 0)
    started = clock()
    refreshed = failed = 0
    finished = False
    client = get_client()

    def spent() -> bool:
        over = max_groups is not None and refreshed + failed >= max_groups
        return over or clock() - started >= budget_s

    while not spent():
        page = client.post(GROUPCHAT_LIST, {"status_filter": 0, "cursor": cursor, "limit": limit})
        rows = [str(row.get("chat_id") or "") for row in page.get("group_chat_list") or []]
        following = str(page.get("next_cursor") or "")
        done = min(skip, len(rows))
        for chat_id in rows[done:]:
            if spent():
                break
            done += 1
            if not chat_id:
                continue
            try:
                refresh_group(chat_id, tell=True)
            except WeComUnavailable:
                raise  # the group in hand is done again by the next run
            except WeComError as error:
                failed += 1
                logger.warning(
                    "group refresh failed", extra={"chat_id": chat_id, "errcode": error.errcode}
                )
            else:
                refreshed += 1
            store.save_reconcile_state(state, cursor or None, done, int(time.time()))
        if done < len(rows):  # stopped inside the page: the next run goes on from here
            break
        skip = 0
        cursor = following
        store.save_reconcile_state(state, cursor or None, 0, int(time.time()))
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


def group_of(item: store.GroupItem) -> Group:
    """The domain object of a stored profile item (:mod:`chalicelib.groups.queries`)."""
    return _group(item)


def member_of(item: store.GroupItem) -> Member:
    """The domain object of a stored member item (:mod:`chalicelib.groups.queries`)."""
    return _member(item)


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
