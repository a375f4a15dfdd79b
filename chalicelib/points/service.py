"""Use cases of the points ledger.

Every change is a ledger entry with a deterministic id (``earn#<order>``,
``refund#<order>#<points due>``, ``expire#<lot>``, ``redeem#<request id>``,
``adjust#<request id>``, ``task#<task>#<ref>``, ``referral#<referred contact>``) written in
one transaction with the balance, so a retry writes nothing new and the balance is always
the sum of the ledger. Credits are lots; debits (redemptions, negative adjustments,
expiries) consume lots oldest first, which is what the expiry job computes (see
docs/decisions.md, "Points ledger"). :class:`chalicelib.signals.PointsChanged` is
published after each entry is durable, with the entry's id as effect id.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit
from pynamodb.transactions import TransactWrite

from chalicelib import signals
from chalicelib.core.observability import logger, metrics
from chalicelib.orders import states
from chalicelib.points import store
from chalicelib.points.errors import (
    AdjustmentCapReached,
    AdjustmentNeedsAdmin,
    InsufficientPoints,
    LedgerBusy,
    RequestReused,
    UnknownTask,
)
from chalicelib.points.models import (
    Account,
    AdjustIn,
    EarningRules,
    EntryKind,
    ExpiryRun,
    LedgerEntry,
    Reconciliation,
    RedeemIn,
    TaskIn,
)

if TYPE_CHECKING:
    from chalicelib.orders.models import Order

RULES = "earning"
DAY_S = 86_400
MAX_ATTEMPTS = 25


# --- rules --------------------------------------------------------------------------------


def rules() -> EarningRules:
    doc = store.get_config(RULES)
    return EarningRules.model_validate(doc or {})


def put_rules(body: EarningRules, principal: str) -> EarningRules:
    store.put_config(RULES, body.model_dump(mode="json"), principal, int(time.time()))
    logger.info("earning rules saved", extra={"principal": principal})
    return body


# --- writing entries ----------------------------------------------------------------------


def _entry(
    contact_id: str,
    entry_id: str,
    kind: EntryKind,
    delta: int,
    at: int,
    *,
    reason: str = "",
    ref: str = "",
    operator: str = "",
) -> store.EntryItem:
    return store.EntryItem.bound()(
        store.account_pk(contact_id),
        store.entry_sk(entry_id),
        contact_id=contact_id,
        entry_id=entry_id,
        kind=kind,
        delta=delta,
        at=at,
        written_ns=time.time_ns(),
        reason=reason,
        ref=ref,
        operator=operator,
    )


def credit(
    contact_id: str,
    entry_id: str,
    kind: EntryKind,
    points: int,
    at: int,
    *,
    reason: str = "",
    ref: str = "",
    operator: str = "",
    expiry_days: int | None = None,
    also: Callable[[TransactWrite], None] | None = None,
) -> store.EntryItem | None:
    """Write a credit (a lot) once; None when the entry already existed. ``also`` adds
    one conditional operation to the same transaction (its refusal is raised)."""
    if points <= 0:
        return None
    entry = _entry(
        contact_id, entry_id, kind, points, at, reason=reason, ref=ref, operator=operator
    )
    entry.amount = points
    days = rules().expiry_days if expiry_days is None else expiry_days
    if days:
        entry.expires_at = entry.lot_expires_at = at + days * DAY_S
        entry.expiry_shard = store.expiry_shard(contact_id)
    model = store.AccountItem

    def write(tx: TransactWrite) -> None:
        tx.save(entry, condition=store.EntryItem.pk.does_not_exist())
        store.move_balance(tx, contact_id, points, model.credited, at)
        if also is not None:
            also(tx)

    try:
        store.run(write)
    except store.Refused as refused:
        if refused.index == 0:
            return None
        raise
    _announce(contact_id, entry)
    metrics.add_metric(name="PointsCredited", unit=MetricUnit.Count, value=points)
    return entry


def debit(
    contact_id: str,
    entry_id: str,
    kind: EntryKind,
    points: int,
    at: int,
    *,
    reason: str = "",
    ref: str = "",
    operator: str = "",
    also: Callable[[TransactWrite], None] | None = None,
) -> store.EntryItem | None:
    """Write a debit once, if the balance covers it; None when the entry already existed.
    ``also`` adds one conditional operation to the same transaction (refusal raised)."""
    entry = _entry(
        contact_id, entry_id, kind, -points, at, reason=reason, ref=ref, operator=operator
    )
    model = store.AccountItem

    def write(tx: TransactWrite) -> None:
        tx.save(entry, condition=store.EntryItem.pk.does_not_exist())
        store.move_balance(
            tx, contact_id, -points, model.debited, at, condition=model.balance >= points
        )
        if also is not None:
            also(tx)

    try:
        store.run(write)
    except store.Refused as refused:
        if refused.index == 0:
            return None
        if refused.index != 1:
            raise
        raise InsufficientPoints(f"the balance does not cover {points} points") from refused
    _announce(contact_id, entry)
    metrics.add_metric(name="PointsDebited", unit=MetricUnit.Count, value=points)
    return entry


def _announce(contact_id: str, entry: store.EntryItem) -> None:
    """Record the balance seen right after the entry and publish PointsChanged."""
    if entry.balance_after is None:
        account = store.get_account(contact_id)
        balance = int(account.balance) if account is not None else 0
        store.set_balance_after(entry, balance)
        entry.balance_after = balance
    signals.publish(
        signals.PointsChanged(
            effect_id=f"points#{contact_id}#{entry.entry_id}",
            contact_id=contact_id,
            delta=int(entry.delta),
            reason=str(entry.kind),
            balance=int(entry.balance_after),
            at=int(entry.at),
        )
    )


# --- orders -------------------------------------------------------------------------------


def order_points(order: Order, earning: EarningRules, tier: str | None) -> int:
    """Points an order earns: per currency unit, times the tier's multiplier (rounded
    down), plus the first-order bonus."""
    base = (order.amount_cents or 0) * earning.points_per_unit // earning.unit_cents
    factor = Decimal(str(earning.tier_multipliers.get(tier or "", 1)))
    bonus = earning.first_order_bonus if order.first_order else 0
    return int(base * factor) + bonus


def settle_order(order: Order, at: int) -> None:
    """Bring the ledger in line with the order: earn once it is paid, reverse what its
    refunds (or a cancellation) take back. Idempotent; any order of calls converges."""
    contact_id = order.contact_id
    if contact_id is None or not states.is_paid(order.facts) or order.amount_cents is None:
        return
    earning = rules()
    lot_id = f"earn#{order.order_key}"
    lot = store.get_entry(contact_id, lot_id)
    if lot is None:
        from chalicelib.membership.service import current_tier

        points = order_points(order, earning, current_tier(contact_id))
        lot = credit(
            contact_id, lot_id, "earn", points, at, reason="order paid", ref=order.order_key
        )
        lot = lot or store.get_entry(contact_id, lot_id)
    else:
        _announce(contact_id, lot)  # a retry publishes again (same effect id)
    if order.first_order and earning.referral_on == "first_order":
        award_referral(contact_id, at, earning)
    if lot is None:
        return
    due = states.reversal_due(
        int(lot.amount or 0), order.amount_cents, order.refunded_cents, order.status == "cancelled"
    )
    if due > int(lot.reversed):
        reverse(contact_id, lot_id, due, order.order_key, at)


def reverse(contact_id: str, lot_id: str, due: int, order_key: str, at: int) -> None:
    """Take back ``due`` points of a lot in total (cumulative): never the part that already
    expired, never more than the balance; what the balance cannot cover is recorded on the
    entry as ``uncollected``."""
    entry_id = f"refund#{order_key}#{due}"
    for _ in range(MAX_ATTEMPTS):
        existing = store.get_entry(contact_id, entry_id)
        if existing is not None:
            _announce(contact_id, existing)
            return
        lot = store.get_entry(contact_id, lot_id)
        account = store.get_account(contact_id)
        if lot is None or account is None or due <= int(lot.reversed):
            return
        entry = _try_reverse(lot, int(account.balance), due, entry_id, order_key, at)
        if entry is None:
            continue  # a replay (found above next time) or a concurrent write: read again
        if entry.uncollected:
            logger.warning(
                "refund reversal not fully covered",
                extra={"order_key": order_key, "uncollected": int(entry.uncollected)},
            )
        _announce(contact_id, entry)
        return
    raise LedgerBusy("the account is too busy; retry")


def _try_reverse(
    lot: store.EntryItem, balance: int, due: int, entry_id: str, order_key: str, at: int
) -> store.EntryItem | None:
    contact_id = str(lot.contact_id)
    reversed_, expired = int(lot.reversed), int(lot.expired)
    wanted = due - reversed_
    x = max(0, min(wanted, int(lot.amount or 0) - reversed_ - expired, balance))
    entry = _entry(contact_id, entry_id, "refund", -x, at, reason="order refunded", ref=order_key)
    entry.uncollected = wanted - x
    model, lots = store.AccountItem, store.EntryItem

    def write(tx: TransactWrite) -> None:
        tx.save(entry, condition=lots.pk.does_not_exist())
        tx.update(
            lot,
            actions=[lots.reversed.set(reversed_ + x)],
            condition=(lots.reversed == reversed_) & (lots.expired == expired),
        )
        store.move_balance(
            tx, contact_id, -x, model.reversed_total, at, condition=model.balance >= x
        )

    try:
        store.run(write)
    except store.Refused:
        return None
    return entry


# --- referrals and tasks --------------------------------------------------------------------


def referrer_of(contact_id: str) -> str | None:
    """The contact whose referral code brought ``contact_id``, if any: the relationship
    added through a code on the referral channel, whose code names its referrer."""
    from chalicelib.contacts.service import find_contact
    from chalicelib.livecodes.errors import LiveCodeNotFound
    from chalicelib.livecodes.service import REFERRAL_CHANNEL, get_code

    contact = find_contact(contact_id)
    if contact is None:
        return None
    for rel in sorted(contact.relationships, key=lambda r: r.added_at or 0):
        if rel.channel != REFERRAL_CHANNEL or not rel.code:
            continue
        try:
            referrer = get_code(rel.code).referrer
        except LiveCodeNotFound:
            continue
        if referrer and referrer != contact_id:
            return referrer
    return None


def award_referral(referred: str, at: int, earning: EarningRules | None = None) -> bool:
    """The referrer earns the referral points once per referred contact."""
    earning = earning or rules()
    if not earning.referral_points:
        return False
    referrer = referrer_of(referred)
    if referrer is None:
        return False
    entry_id = f"referral#{referred}"
    written = credit(
        referrer, entry_id, "referral", earning.referral_points, at, reason="referral", ref=referred
    )
    if written is None:
        existing = store.get_entry(referrer, entry_id)
        if existing is not None:
            _announce(referrer, existing)
    return written is not None


def award_task(contact_id: str, body: TaskIn, principal: str) -> LedgerEntry:
    earning = rules()
    points = earning.tasks.get(body.task)
    if points is None:
        raise UnknownTask(f"no task {body.task!r} in the earning rules")
    entry_id = f"task#{body.task}#{body.ref}"
    at = int(time.time())
    written = credit(
        contact_id, entry_id, "task", points, at, reason=body.task, ref=body.ref, operator=principal
    )
    return _view(written or _existing(contact_id, entry_id))


# --- redemption and adjustment --------------------------------------------------------------


def redeem(contact_id: str, body: RedeemIn, principal: str) -> LedgerEntry:
    entry_id = f"redeem#{body.request_id}"
    written = debit(
        contact_id,
        entry_id,
        "redeem",
        body.points,
        int(time.time()),
        reason=body.reason,
        operator=principal,
    )
    found = written or _existing(contact_id, entry_id)
    if int(found.delta) != -body.points or found.kind != "redeem":
        raise RequestReused(f"request_id {body.request_id} was used for another entry")
    logger.info("points redeemed", extra={"points": body.points, "principal": principal})
    return _view(found)


def adjust(contact_id: str, body: AdjustIn, principal: str, role: str = "admin") -> LedgerEntry:
    """A manual adjustment, within the rules' limits (docs/decisions.md, "Manual point
    adjustments"): more than ``adjust_admin_above`` points needs the admin role, and what
    one person moves by hand in a local day stays within ``adjust_daily_cap``, counted in
    the adjustment's own transaction (a retried request counts once)."""
    from chalicelib.auth.roles import allows

    earning = rules()
    size = abs(body.delta)
    if size > earning.adjust_admin_above and not allows(role, "admin"):
        raise AdjustmentNeedsAdmin(
            f"an adjustment of more than {earning.adjust_admin_above} points needs the admin"
            " role (points rules: adjust_admin_above)"
        )
    entry_id = f"adjust#{body.request_id}"
    at = int(time.time())
    day = _local_day(at)
    counted = store.AdjustedItem

    def count(tx: TransactWrite) -> None:
        tx.update(
            store.adjusted_handle(principal, day),
            actions=[counted.total.add(size)],
            condition=counted.total.does_not_exist()
            | (counted.total <= earning.adjust_daily_cap - size),
        )

    try:
        if body.delta > 0:
            written = credit(
                contact_id,
                entry_id,
                "adjust",
                body.delta,
                at,
                reason=body.reason,
                operator=principal,
                also=count,
            )
        else:
            written = debit(
                contact_id,
                entry_id,
                "adjust",
                size,
                at,
                reason=body.reason,
                operator=principal,
                also=count,
            )
    except store.Refused as refused:
        raise _cap_reached(earning.adjust_daily_cap) from refused
    found = written or _existing(contact_id, entry_id)
    if int(found.delta) != body.delta or found.kind != "adjust":
        raise RequestReused(f"request_id {body.request_id} was used for another entry")
    logger.info("points adjusted", extra={"delta": body.delta, "principal": principal})
    return _view(found)


def _cap_reached(cap: int) -> AdjustmentCapReached:
    return AdjustmentCapReached(
        f"this adjustment would take your manual adjustments of today past {cap} points"
        " (points rules: adjust_daily_cap)"
    )


def _local_day(at: int) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from chalicelib.core.settings import get_settings

    return datetime.fromtimestamp(at, ZoneInfo(get_settings().timezone)).date().isoformat()


def _existing(contact_id: str, entry_id: str) -> store.EntryItem:
    found = store.get_entry(contact_id, entry_id)
    if found is None:
        raise LedgerBusy("the entry could not be read back; retry")
    return found


# --- expiry -------------------------------------------------------------------------------


def expire_due(now: int | None = None, limit: int = 200) -> ExpiryRun:
    """Expire every lot whose time has come (the scheduled job); bounded per run."""
    at = int(now if now is not None else time.time())
    lots = points = 0
    for shard in range(store.EXPIRY_SHARDS):
        for lot in store.due_lots(f"lots#{shard}", at, limit):
            lots += 1
            points += expire_lot(str(lot.contact_id), str(lot.entry_id), at)
    if points:
        metrics.add_metric(name="PointsExpired", unit=MetricUnit.Count, value=points)
    return ExpiryRun(lots=lots, expired_points=points)


def expire_lot(contact_id: str, lot_id: str, at: int) -> int:
    """Expire what is left of one lot when debits consume lots oldest first: with C the
    lot's cumulative credit (every lot up to it, net of reversals) and D every debit so
    far (expiries included), ``min(lot, C - D)`` points are still unspent."""
    for _ in range(MAX_ATTEMPTS):
        account = store.get_account(contact_id)
        credits = [e for e in store.entries(contact_id) if e.amount is not None]
        target = next((e for e in credits if e.entry_id == lot_id), None)
        if account is None or target is None or target.expiry_shard is None:
            return 0
        cumulative = 0
        for lot in credits:
            cumulative += int(lot.amount or 0) - int(lot.reversed)
            if lot.entry_id == lot_id:
                break
        net = int(target.amount or 0) - int(target.reversed)
        x = max(0, min(net, cumulative - int(account.debited), int(account.balance)))
        if _try_expire(target, account, x, at):
            return x
    raise LedgerBusy("the account is too busy; the next run expires the lot")


def _try_expire(target: store.EntryItem, account: store.AccountItem, x: int, at: int) -> bool:
    contact_id, lot_id = str(target.contact_id), str(target.entry_id)
    model, lots = store.AccountItem, store.EntryItem
    version, reversed_ = int(account.version), int(target.reversed)
    entry = _entry(contact_id, f"expire#{lot_id}", "expire", -x, at, reason="expired", ref=lot_id)

    def write(tx: TransactWrite) -> None:
        tx.update(
            target,
            actions=[lots.expired.set(x), lots.expiry_shard.remove(), lots.expires_at.remove()],
            condition=lots.expiry_shard.exists() & (lots.reversed == reversed_),
        )
        store.move_balance(
            tx, contact_id, -x, model.debited, at, condition=model.version == version
        )
        if x:
            tx.save(entry, condition=lots.pk.does_not_exist())

    try:
        store.run(write)
    except store.Refused:
        return False
    if x:
        _announce(contact_id, entry)
    return True


# --- reads --------------------------------------------------------------------------------


def _view(item: store.EntryItem) -> LedgerEntry:
    return LedgerEntry.model_validate(
        {
            "entry_id": item.entry_id,
            "kind": item.kind,
            "delta": int(item.delta),
            "at": int(item.at),
            "reason": item.reason,
            "ref": item.ref,
            "operator": item.operator,
            "uncollected": int(item.uncollected or 0),
            "expires_at": None if item.lot_expires_at is None else int(item.lot_expires_at),
            "expired": int(item.expired or 0),
            "reversed": int(item.reversed or 0),
            "balance_after": None if item.balance_after is None else int(item.balance_after),
        }
    )


def account(contact_id: str, limit: int = 100, cursor: str | None = None) -> Account:
    """The balance and a page of the ledger, newest entry first."""
    from chalicelib.core.paging import PageRequest, list_page

    found = store.get_account(contact_id)
    ledger, following = list_page(
        store.entries(contact_id),
        lambda e: f"{int(e.at):012d}|{int(e.written_ns or 0):020d}|{e.entry_id}",
        PageRequest(limit, cursor),
        newest_first=True,
    )
    return Account(
        contact_id=contact_id,
        balance=int(found.balance) if found else 0,
        credited=int(found.credited) if found else 0,
        debited=int(found.debited) if found else 0,
        reversed=int(found.reversed_total) if found else 0,
        entries=[_view(item) for item in ledger],
        next_cursor=following,
    )


def balance(contact_id: str) -> int:
    found = store.get_account(contact_id)
    return int(found.balance) if found else 0


def reconcile(contact_id: str) -> Reconciliation:
    """Read the account, then every entry, then the account again (retrying while entries
    land in between): the balance must equal the ledger's sum and the account's totals."""
    for _ in range(MAX_ATTEMPTS):
        before = store.get_account(contact_id)
        ledger = store.entries(contact_id)
        after = store.get_account(contact_id)
        if (before and before.version) == (after and after.version):
            break
    else:
        raise LedgerBusy("the account kept changing; retry")
    total = sum(int(e.delta) for e in ledger)
    held = int(after.balance) if after else 0
    totals_agree = after is None or (
        int(after.credited) - int(after.debited) - int(after.reversed_total) == held
    )
    consistent = total == held and held >= 0 and totals_agree
    if not consistent:
        logger.error("points ledger does not reconcile", extra={"external_userid": contact_id})
    return Reconciliation(
        contact_id=contact_id,
        balance=held,
        ledger_sum=total,
        entries=len(ledger),
        consistent=consistent,
    )


def earned_since(contact_id: str, since: int) -> int:
    """Points credited since ``since``, net of what was reversed (tier qualification)."""
    return sum(
        int(e.amount or 0) - int(e.reversed or 0)
        for e in store.entries(contact_id)
        if e.amount is not None and int(e.at) >= since
    )
