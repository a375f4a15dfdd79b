"""Handover (继承): on-job and resigned customer transfers, results, unassigned customers.

Transfers wait (status 2) until the control route ``POST /_sim/transfers/complete``
plays the customer's side (:func:`complete`): accepted (1), refused (3) or over the
takeover's limit (4).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from wecom_simulator.api.common import Ctx, page, route
from wecom_simulator.errors import INVALID_EXTERNAL_USERID, NO_RELATIONSHIP, invalid
from wecom_simulator.events import contact_event
from wecom_simulator.state import ACTIVE, RESIGNED, World

DONE, WAITING, REFUSED, LIMIT_EXCEEDED = 1, 2, 3, 4
FAIL_REASONS = {"customer_refused": REFUSED, "customer_limit_exceed": LIMIT_EXCEEDED}


def request_transfer(ctx: Ctx, kind: str) -> dict[str, Any]:
    world = ctx.world
    handover, takeover = ctx.text("handover_userid"), ctx.text("takeover_userid")
    ctx.staff(handover)
    ctx.staff(takeover)
    if kind == "onjob" and world.staff[handover].status != ACTIVE:
        raise invalid("handover_userid has resigned: use resigned/transfer_customer")
    if kind == "resigned" and world.staff[handover].status != RESIGNED:
        raise invalid("handover_userid has not resigned")
    if not world.active_staff(takeover):
        raise invalid("takeover_userid is not an active member")
    if len(ctx.text("transfer_success_msg", required=False)) > 200:
        raise invalid("transfer_success_msg exceeds 200 characters")
    results = []
    for external_userid in ctx.strings("external_userid", required=True, max_items=100):
        if external_userid not in world.customers:
            errcode = INVALID_EXTERNAL_USERID
        elif (handover, external_userid) not in world.follows:
            errcode = NO_RELATIONSHIP
        else:
            errcode = 0
            world.transfers.append(
                {
                    "kind": kind,
                    "handover_userid": handover,
                    "takeover_userid": takeover,
                    "external_userid": external_userid,
                    "status": WAITING,
                    "takeover_time": ctx.ts + ctx.config.transfer_delay_s,
                    "requested_at": ctx.ts,
                }
            )
        results.append({"external_userid": external_userid, "errcode": errcode})
    return {"customer": results}


@route("externalcontact/transfer_customer")
def transfer_customer(ctx: Ctx) -> dict[str, Any]:
    return request_transfer(ctx, "onjob")


@route("externalcontact/resigned/transfer_customer")
def resigned_transfer_customer(ctx: Ctx) -> dict[str, Any]:
    return request_transfer(ctx, "resigned")


@route("externalcontact/transfer_result", "externalcontact/resigned/transfer_result")
def transfer_result(ctx: Ctx) -> dict[str, Any]:
    handover, takeover = ctx.text("handover_userid"), ctx.text("takeover_userid")
    rows = [
        {
            "external_userid": t["external_userid"],
            "status": t["status"],
            "takeover_time": t["takeover_time"],
        }
        for t in ctx.world.transfers
        if t["handover_userid"] == handover and t["takeover_userid"] == takeover
    ]
    chunk, next_cursor = page(rows, ctx.text("cursor", required=False), 1000)
    return {"customer": chunk, "next_cursor": next_cursor}


@route("externalcontact/get_unassigned_list")
def get_unassigned_list(ctx: Ctx) -> dict[str, Any]:
    world = ctx.world
    size = ctx.integer("page_size", default=1000)
    if not 1 <= size <= 1000:
        raise invalid("page_size must be between 1 and 1000")
    pending = {
        (t["handover_userid"], t["external_userid"])
        for t in world.transfers
        if t["status"] == WAITING
    }
    rows = [
        {
            "handover_userid": f.userid,
            "external_userid": f.external_userid,
            "dimission_time": world.staff[f.userid].dimission_time,
        }
        for f in world.follows.values()
        if world.staff.get(f.userid) is not None
        and world.staff[f.userid].status == RESIGNED
        and (f.userid, f.external_userid) not in pending
    ]
    chunk, next_cursor = page(rows, ctx.text("cursor", required=False), size)
    return {"info": chunk, "is_last": not next_cursor, "next_cursor": next_cursor}


def complete(
    world: World, corp_id: str, now: int, external_userid: str | None, fail_reason: str | None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Settle waiting transfers; returns them and the callback XML to push."""
    if fail_reason is not None and fail_reason not in FAIL_REASONS:
        raise invalid(f"fail_reason must be one of {sorted(FAIL_REASONS)}")
    settled, pushes = [], []
    for transfer in world.transfers:
        if transfer["status"] != WAITING:
            continue
        if external_userid and transfer["external_userid"] != external_userid:
            continue
        handover, takeover = transfer["handover_userid"], transfer["takeover_userid"]
        customer = transfer["external_userid"]
        if fail_reason:
            transfer["status"] = FAIL_REASONS[fail_reason]
            pushes.append(
                contact_event(
                    corp_id, now, "transfer_fail", takeover, customer, fail_reason=fail_reason
                )
            )
        else:
            transfer.update(status=DONE, takeover_time=now)
            old = world.follows.pop((handover, customer), None)
            if old is not None and (takeover, customer) not in world.follows:
                world.follows[(takeover, customer)] = replace(
                    old,
                    userid=takeover,
                    createtime=now,
                    oper_userid=takeover,
                    tag_ids=list(old.tag_ids),
                    remark_mobiles=list(old.remark_mobiles),
                )
            if transfer["kind"] == "onjob":
                pushes.append(
                    contact_event(
                        corp_id,
                        now,
                        "del_external_contact",
                        handover,
                        customer,
                        source="DELETE_BY_TRANSFER",
                    )
                )
        settled.append(dict(transfer))
    return settled, pushes
