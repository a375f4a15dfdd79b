"""Handover and the initial sync.

Handover asks WeCom to move customers from one member to another (on-job or resigned).
WeCom answers per customer, then settles each transfer within a day (the customer may
refuse, or the takeover may be at their limit); ``transfer_result`` tells which, and is
polled hourly. WeCom allows a customer at most two transfers per 90 days: the cap is
checked, and a slot reserved, before WeCom is called, so a third request is refused
with a clear reason rather than a per-customer error after the fact.

The initial sync imports the existing customers of a list of staff through
``batch/get_by_user``, a bounded number of pages per call, keeping its position so any
caller (the admin route, the CLI) resumes where the last one stopped.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from chalicelib import signals
from chalicelib.core.errors import BadRequest, Conflict
from chalicelib.core.observability import logger
from chalicelib.handover import store
from chalicelib.handover.models import (
    FAILED,
    MAX_TRANSFERS_PER_WINDOW,
    NOT_MOVED,
    OPEN,
    SUCCESS,
    TRANSFER_WINDOW_S,
    UNCONFIRMED,
    WAITING,
    WECOM_BATCH,
    RefreshOutcome,
    SyncProgress,
    SyncRun,
    Transfer,
    TransferOutcome,
    TransferRequest,
    batches,
    status_of,
)
from chalicelib.wecom.client import get_client
from chalicelib.wecom.errors import WeComError, WeComUnavailable

ONJOB_TRANSFER = "externalcontact/transfer_customer"
RESIGNED_TRANSFER = "externalcontact/resigned/transfer_customer"
ONJOB_RESULT = "externalcontact/transfer_result"
RESIGNED_RESULT = "externalcontact/resigned/transfer_result"
MAX_RESULT_PAGES = 50
RESERVE_ATTEMPTS = 3


# --- handover -----------------------------------------------------------------------------


def transfer(
    request: TransferRequest, requested_by: str, now: int | None = None
) -> TransferOutcome:
    """Ask WeCom to transfer the customers, 100 per call; one stored result per customer.

    Refused as a whole (409, nothing sent) when any customer has used up WeCom's two
    transfers per 90 days.
    """
    now = int(time.time()) if now is None else now
    customers = request.external_userids
    over = [c for c in customers if _used_slots(c, now) >= MAX_TRANSFERS_PER_WINDOW]
    if over:
        raise Conflict(
            f"WeCom allows {MAX_TRANSFERS_PER_WINDOW} transfers per customer per 90 days; "
            f"already used by: {', '.join(over[:20])}",
            code="transfer_limit_reached",
        )
    slot = f"{request.handover_userid}#{now}#{uuid.uuid4().hex[:12]}"  # one per request
    reserved = _reserve_all(customers, slot, now)
    path = RESIGNED_TRANSFER if request.resigned else ONJOB_TRANSFER
    stored: list[Transfer] = []
    for chunk in batches(customers, WECOM_BATCH):
        results = _send(path, request, chunk)
        for external_userid in chunk:
            status, errcode = results[external_userid]
            if status in NOT_MOVED:
                _release(external_userid, slot)
            item = store.new_transfer(
                handover_userid=request.handover_userid,
                external_userid=external_userid,
                takeover_userid=request.takeover_userid,
                status=status,
                errcode=errcode,
                resigned=request.resigned,
                requested_at=now,
                requested_by=requested_by,
                updated_at=now,
                slot=slot if external_userid in reserved else None,
            )
            store.save_transfer(item)
            stored.append(_transfer(item))
    if any(t.status in OPEN for t in stored):
        store.mark_waiting(request.handover_userid, request.takeover_userid, request.resigned, now)
    accepted = sum(t.status in OPEN for t in stored)
    logger.info(
        "handover requested",
        extra={
            "handover_userid": request.handover_userid,
            "takeover_userid": request.takeover_userid,
            "accepted": accepted,
            "failed": len(stored) - accepted,
        },
    )
    return TransferOutcome(items=stored, accepted=accepted, failed=len(stored) - accepted)


def _send(
    path: str, request: TransferRequest, chunk: list[str]
) -> dict[str, tuple[str, int | None]]:
    """One WeCom call: each customer's status and errcode."""
    body: dict[str, Any] = {
        "handover_userid": request.handover_userid,
        "takeover_userid": request.takeover_userid,
        "external_userid": chunk,
    }
    if request.transfer_success_msg and not request.resigned:
        body["transfer_success_msg"] = request.transfer_success_msg
    try:
        answer = get_client().post(path, body)
    except WeComUnavailable as error:
        # The call may have reached WeCom: keep the slots, let transfer_result settle it.
        logger.warning("handover call unconfirmed", extra={"errcode": error.errcode})
        return {c: (UNCONFIRMED, error.errcode) for c in chunk}
    except WeComError as error:
        logger.warning("handover call refused", extra={"errcode": error.errcode})
        return {c: (FAILED, error.errcode) for c in chunk}
    per_customer = {
        str(row.get("external_userid")): int(row.get("errcode") or 0)
        for row in answer.get("customer") or []
    }
    results: dict[str, tuple[str, int | None]] = {}
    for external_userid in chunk:
        errcode = per_customer.get(external_userid)
        if errcode is None:
            results[external_userid] = (UNCONFIRMED, None)
        else:
            results[external_userid] = (WAITING if errcode == 0 else FAILED, errcode)
    return results


def _used_slots(external_userid: str, now: int) -> int:
    _, slots = store.quota_slots(external_userid)
    return sum(1 for at in slots.values() if now - TRANSFER_WINDOW_S < at <= now)


def _reserve_all(customers: list[str], slot: str, now: int) -> set[str]:
    """Take one slot per customer; all or none (a concurrent request took the last one)."""
    reserved: set[str] = set()
    for external_userid in customers:
        if not _reserve(external_userid, slot, now):
            for done in reserved:
                _release(done, slot)
            raise Conflict(
                f"customer {external_userid} reached WeCom's transfer limit meanwhile",
                code="transfer_limit_reached",
            )
        reserved.add(external_userid)
    return reserved


def _reserve(external_userid: str, slot: str, now: int) -> bool:
    for _ in range(RESERVE_ATTEMPTS):
        item, slots = store.quota_slots(external_userid)
        current = {k: at for k, at in slots.items() if now - TRANSFER_WINDOW_S < at}
        if len(current) >= MAX_TRANSFERS_PER_WINDOW:
            return False
        current[slot] = now
        try:
            store.save_slots(item, current)
        except store.StaleWrite:
            continue
        return True
    return False


def _release(external_userid: str, slot: str) -> None:
    """Give a slot back: that transfer did not move the customer."""
    for _ in range(RESERVE_ATTEMPTS):
        item, slots = store.quota_slots(external_userid)
        if slot not in slots:
            return
        slots.pop(slot)
        try:
            store.save_slots(item, slots)
        except store.StaleWrite:
            continue
        return
    logger.warning("transfer slot not released", extra={"external_userid": external_userid})


def refresh(handover_userid: str | None = None, max_pairs: int = 50) -> RefreshOutcome:
    """Poll ``transfer_result`` for every pair with open transfers and record the results."""
    now = int(time.time())
    pairs = updated = still_open = 0
    for pair in list(store.waiting_pairs(handover_userid, max_pairs)):
        pairs += 1
        updated += _refresh_pair(pair, now)
        left = store.open_count(pair.handover_userid, pair.takeover_userid, bool(pair.resigned))
        still_open += left
        if left == 0:
            store.drop_waiting(pair)
    logger.info(
        "handover results refreshed",
        extra={"pairs": pairs, "updated": updated, "still_open": still_open},
    )
    return RefreshOutcome(pairs=pairs, updated=updated, still_open=still_open)


def _refresh_pair(pair: store.WaitingPairItem, now: int) -> int:
    path = RESIGNED_RESULT if pair.resigned else ONJOB_RESULT
    body = {"handover_userid": pair.handover_userid, "takeover_userid": pair.takeover_userid}
    cursor, updated, pages = "", 0, 0
    while pages < MAX_RESULT_PAGES:
        pages += 1
        answer = get_client().post(path, {**body, "cursor": cursor})
        for row in answer.get("customer") or []:
            updated += _record_result(pair, row, now)
        cursor = str(answer.get("next_cursor") or "")
        if not cursor:
            break
    return updated


def _record_result(pair: store.WaitingPairItem, row: Mapping[str, Any], now: int) -> int:
    external_userid = str(row.get("external_userid") or "")
    item = store.get_transfer(pair.handover_userid, external_userid)
    if item is None:
        return 0
    status = status_of(_int(row.get("status")))
    if item.status == SUCCESS and item.takeover_userid == pair.takeover_userid:
        announce(item)  # settled before; tell contacts again in case that was cut short
        return 0
    if item.status not in OPEN or status == item.status:
        return 0
    takeover_time = _int(row.get("takeover_time"))
    if not store.settle(item, pair.takeover_userid, status, takeover_time, now):
        return 0
    if status in NOT_MOVED and item.slot:
        _release(external_userid, item.slot)
    if status == SUCCESS:
        item.status, item.takeover_time = SUCCESS, takeover_time or now
        announce(item)
    return 1


def transferred_by_event(
    handover_userid: str, external_userid: str, at: int, now: int | None = None
) -> bool:
    """WeCom's ``del_external_contact`` (``DELETE_BY_TRANSFER``) tells an on-job transfer
    completed at ``at`` before ``transfer_result`` is polled: settle it and announce it.
    False when no open transfer of that customer from that member is known."""
    now = int(time.time()) if now is None else now
    item = store.get_transfer(handover_userid, external_userid)
    if item is None:
        return False
    if item.status in OPEN:
        if not store.settle(item, item.takeover_userid, SUCCESS, at, now):
            return False
        item.status, item.takeover_time = SUCCESS, at
    if item.status != SUCCESS:
        return False
    announce(item)
    return True


def announce(item: store.TransferItem) -> None:
    """Tell the other contexts a customer moved (contacts: relationships, staff lists).
    Subscribers act once per transfer, so announcing again is harmless."""
    at = int(item.takeover_time or item.updated_at)
    signals.publish(
        signals.CustomerTransferred(
            effect_id=f"transfer#{item.handover_userid}#{item.external_userid}#{item.requested_at}",
            external_userid=item.external_userid,
            handover_userid=item.handover_userid,
            takeover_userid=item.takeover_userid,
            at=at,
        )
    )


def list_transfers(handover_userid: str, limit: int) -> list[Transfer]:
    return [_transfer(item) for item in store.transfers_of(handover_userid, limit)]


def _transfer(item: store.TransferItem) -> Transfer:
    return Transfer(
        handover_userid=item.handover_userid,
        external_userid=item.external_userid,
        takeover_userid=item.takeover_userid,
        status=item.status,
        errcode=_int(item.errcode),
        resigned=bool(item.resigned),
        requested_at=int(item.requested_at),
        requested_by=item.requested_by or "",
        takeover_time=_int(item.takeover_time),
        updated_at=int(item.updated_at),
    )


def _int(value: Any) -> int | None:
    try:
        return None if value is None or value == "" else int(value)
    except (TypeError, ValueError):
        return None


# --- the initial sync -------------------------------------------------------------------


def sync_contacts(staff: Iterable[str], *, max_pages: int = 5, restart: bool = False) -> SyncRun:
    """Import up to ``max_pages`` pages (100 contacts each) of the staff's customers.

    Resumes the stored run when it is for the same staff; a finished run, or
    ``restart``, begins again. A run for other staff that is not finished is a 409: one
    import at a time, so two callers never interleave their cursors.
    """
    wanted = list(dict.fromkeys(s for s in staff if s))
    if not wanted:
        raise BadRequest("the initial sync needs at least one staff userid")
    now = int(time.time())
    state = store.sync_state()
    if state is None:
        state = store.new_sync_state(wanted, now)
    elif restart or state.finished:
        _reset(state, wanted, now)
    elif list(state.staff) != wanted:
        raise Conflict(
            "an initial sync for other staff is not finished; resume it or restart",
            code="sync_in_progress",
        )
    groups = batches(list(state.staff), WECOM_BATCH)
    pages = 0
    while not state.finished and pages < max_pages:
        pages += 1
        userids = groups[int(state.batch)]
        answer = get_client().batch_get_by_user(userids, state.cursor or "", WECOM_BATCH)
        entries = answer.get("external_contact_list") or []
        for entry in entries:
            follow = entry.get("follow_info")
            upsert_contact(entry.get("external_contact") or {}, [follow] if follow else [])
        state.contacts_seen = int(state.contacts_seen) + len(entries)
        state.cursor = str(answer.get("next_cursor") or "")
        if not state.cursor:
            state.done_staff = int(state.done_staff) + len(userids)
            state.batch = int(state.batch) + 1
            state.finished = int(state.batch) >= len(groups)
        state.updated_at = int(time.time())
        try:
            store.save_sync_state(state)
        except store.StaleWrite as error:
            raise Conflict(
                "another sync run moved the position; run again to resume",
                code="sync_in_progress",
            ) from error
    progress = SyncProgress(
        done_staff=int(state.done_staff),
        contacts_seen=int(state.contacts_seen),
        cursor=state.cursor or "",
    )
    logger.info(
        "contacts sync step",
        extra={"done_staff": progress.done_staff, "contacts_seen": progress.contacts_seen},
    )
    return SyncRun(progress=progress, total_staff=len(state.staff), more=not state.finished)


def _reset(state: store.SyncStateItem, staff: list[str], now: int) -> None:
    state.staff = staff
    state.batch = 0
    state.cursor = ""
    state.done_staff = 0
    state.contacts_seen = 0
    state.finished = False
    state.started_at = now
    state.updated_at = now


def upsert_contact(external_contact: Mapping[str, Any], follow_users: list[Any]) -> None:
    """Hand one imported customer to contacts (``signals.ContactFetched``: no event, an
    import), which stores it."""
    from chalicelib import signals

    external_userid = str(external_contact.get("external_userid") or "")
    signals.publish(
        signals.ContactFetched(
            effect_id=f"fetched#{external_userid}#{time.time_ns()}",
            external_contact=dict(external_contact),
            follow_users=tuple(dict(f) for f in follow_users),
        )
    )
