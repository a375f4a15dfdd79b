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
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib import signals
from chalicelib.core.observability import logger, metrics
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
    Balance,
    DailyCap,
    EarningRules,
    Entry,
    EntryKind,
    ExpiryRun,
    LedgerEntry,
    Reconciliation,
    RedeemIn,
    TaskIn,
)
from chalicelib.storage.kept import Kept
from chalicelib.storage.ops import Conflict, retry

if TYPE_CHECKING:
    from chalicelib.contacts.models import Contact

RULES = "earning"
DAY_S = 86_400
MAX_ATTEMPTS = 25  # tries of one ledger write while others move the account


class Unread:
    """Not read yet (the account is read by the write itself)."""


UNREAD = Unread()


# --- rules --------------------------------------------------------------------------------


def rules() -> EarningRules:
    doc = store.get_config(RULES)
    return EarningRules.model_validate(doc or {})


_rules: Kept[EarningRules] = Kept(rules)


def kept_rules() -> EarningRules:
    """:func:`rules` as read at most ``CONFIG_KEPT_S`` seconds ago (30 s): the path of
    every add and group join, which most often earns nothing."""
    return _rules.get()


def put_rules(body: EarningRules, principal: str) -> EarningRules:
    store.put_config(RULES, body.model_dump(mode="json"), principal, int(time.time()))
    _rules.forget()
    logger.info("earning rules saved", extra={"principal": principal})
    return body


# --- writing entries ----------------------------------------------------------------------


def _new_entry(
    contact_id: str,
    entry_id: str,
    kind: EntryKind,
    delta: int,
    at: int,
    *,
    reason: str = "",
    ref: str = "",
    operator: str = "",
    **lot: int | bool | None,
) -> Entry:
    return Entry(
        contact_id=contact_id,
        entry_id=entry_id,
        kind=kind,
        delta=delta,
        at=at,
        written_ns=time.time_ns(),
        reason=reason,
        ref=ref,
        operator=operator,
        **lot,  # type: ignore[arg-type]
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
    earning: EarningRules | None = None,
    daily: DailyCap | None = None,
    read: Balance | Unread | None = UNREAD,
) -> Entry | None:
    """Write a credit (a lot) once; None when the entry already existed (or is worth
    nothing). With ``daily``, the person's adjustments of the day are counted with it;
    ``read``: the account as just read (its first attempt spares the read)."""
    if points <= 0:
        return None
    days = (earning or rules()).expiry_days if expiry_days is None else expiry_days
    expires = at + days * DAY_S if days else None
    written = _written(
        contact_id,
        lambda read: _new_entry(
            contact_id,
            entry_id,
            kind,
            points,
            at,
            reason=reason,
            ref=ref,
            operator=operator,
            amount=points,
            expires_at=expires,
            expiring=expires is not None,
            balance_after=(read.balance if read else 0) + points,
        ),
        "credited",
        daily,
        read,
    )
    if written is not None:
        metrics.add_metric(name="PointsCredited", unit=MetricUnit.Count, value=points)
    return written


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
    daily: DailyCap | None = None,
) -> Entry | None:
    """Write a debit once, if the balance covers it; None when the entry already existed."""

    def make(read: Balance | None) -> Entry:
        held = read.balance if read else 0
        if held < points:
            if store.get_entry(contact_id, entry_id) is not None:
                raise _Replayed
            raise InsufficientPoints(f"the balance does not cover {points} points")
        return _new_entry(
            contact_id,
            entry_id,
            kind,
            -points,
            at,
            reason=reason,
            ref=ref,
            operator=operator,
            balance_after=held - points,
        )

    written = _written(contact_id, make, "debited", daily)
    if written is not None:
        metrics.add_metric(name="PointsDebited", unit=MetricUnit.Count, value=points)
    return written


class _Replayed(Exception):
    """The entry was written before (found while checking the balance)."""


def _written(
    contact_id: str,
    make: Callable[[Balance | None], Entry],
    total: store.Total,
    daily: DailyCap | None = None,
    first_read: Balance | Unread | None = UNREAD,
) -> Entry | None:
    """Write the entry ``make`` builds from the account as read, once (``None`` when it was
    written before), reading again while others move the account first; then announce."""
    reads = [] if isinstance(first_read, Unread) else [first_read]

    def attempt() -> Entry | None:
        read = reads.pop() if reads else store.get_account(contact_id)
        try:
            entry = make(read)
        except _Replayed:
            return None
        outcome = store.add_entry(entry, read, total, daily)  # Conflict: moved, read again
        if outcome == "exists":
            return None
        if outcome == "capped" and daily is not None:
            raise _cap_reached(daily.cap)
        return entry

    written = retry(attempt, times=MAX_ATTEMPTS)
    if written is not None:
        _announce(written)
    return written


def _announce(entry: Entry) -> None:
    """Publish PointsChanged for the entry (its id is the effect id: a retry publishes the
    same signal, heard once)."""
    balance_after = entry.balance_after
    if balance_after is None:  # entries written before balance_after was kept
        balance_after = balance(entry.contact_id)
    signals.publish(
        signals.PointsChanged(
            effect_id=f"points#{entry.contact_id}#{entry.entry_id}",
            contact_id=entry.contact_id,
            delta=entry.delta,
            reason=entry.kind,
            balance=balance_after,
            at=entry.at,
        )
    )


# --- orders -------------------------------------------------------------------------------


def order_points(
    amount_cents: int, first_order: bool, earning: EarningRules, tier: str | None
) -> int:
    """Points an order earns: per currency unit, times the tier's multiplier (rounded
    down), plus the first-order bonus."""
    base = amount_cents * earning.points_per_unit // earning.unit_cents
    factor = Decimal(str(earning.tier_multipliers.get(tier or "", 1)))
    bonus = earning.first_order_bonus if first_order else 0
    return int(base * factor) + bonus


def reversal_due(earned: int, amount_cents: int | None, refunded: int, cancelled: bool) -> int:
    """Points an order's refunds take back: everything when fully refunded or cancelled,
    else the refunded share, rounded down (so partial refunds never take more than a
    full refund would)."""
    if earned <= 0:
        return 0
    if cancelled or (amount_cents is not None and refunded >= amount_cents):
        return earned
    if not amount_cents or refunded <= 0:
        return 0
    return earned * refunded // amount_cents


def settle_order(order: signals.OrderChanged) -> None:
    """Bring the ledger in line with the order (as :class:`signals.OrderChanged` tells it):
    earn once it is paid, reverse what its refunds (or a cancellation) take back.
    Idempotent; any order of signals converges."""
    contact_id = order.contact_id
    if contact_id is None or not order.paid or not order.amount_cents:
        return
    # the rules as kept; when the tier counts points, the account with its entries, which
    # the tier's evaluation of the same order then reads from the pass (one read for both)
    earning = kept_rules()
    if _tier_counts_points():
        read, _ = store.account_and_entries(contact_id)
    else:
        read = store.get_account(contact_id)
    lot_id = f"earn#{order.order_key}"
    tier = tier_of(contact_id) if earning.tier_multipliers else None
    points = order_points(order.amount_cents, order.first_order, earning, tier)
    lot = credit(
        contact_id,
        lot_id,
        "earn",
        points,
        order.at,
        reason="order paid",
        ref=order.order_key,
        earning=earning,
        read=read,
    )
    cancelled = order.status == "cancelled"
    if lot is None and points > 0:  # earned before: a retry publishes again (same effect id)
        lot = store.get_entry(contact_id, lot_id)
        if lot is not None:
            _announce(lot)
    if order.first_order and earning.referral_on == "first_order":
        award_referral(contact_id, order.at, earning)
    if lot is None or (not order.refunded_cents and not cancelled):
        return
    due = reversal_due(lot.amount or 0, order.amount_cents, order.refunded_cents, cancelled)
    if due > lot.reversed:
        reverse(contact_id, lot_id, due, order.order_key, order.at)


def tier_of(contact_id: str) -> str | None:
    from chalicelib.membership.queries import tier_of as current

    return current(contact_id)


def _tier_counts_points() -> bool:
    from chalicelib.membership.queries import counts_points

    return counts_points()


def reverse(contact_id: str, lot_id: str, due: int, order_key: str, at: int) -> None:
    """Take back ``due`` points of a lot in total (cumulative): never the part that already
    expired, never more than the balance; what the balance cannot cover is recorded on the
    entry as ``uncollected``."""
    entry_id = f"refund#{order_key}#{due}"

    def attempt() -> Entry | None:
        existing = store.get_entry(contact_id, entry_id)
        if existing is not None:
            return existing
        lot = store.get_entry(contact_id, lot_id)
        read = store.get_account(contact_id)
        if lot is None or read is None or due <= lot.reversed:
            return None
        wanted = due - lot.reversed
        x = max(0, min(wanted, (lot.amount or 0) - lot.reversed - lot.expired, read.balance))
        entry = _new_entry(
            contact_id,
            entry_id,
            "refund",
            -x,
            at,
            reason="order refunded",
            ref=order_key,
            uncollected=wanted - x,
            balance_after=read.balance - x,
        )
        if store.add_reversal(entry, lot, read) == "exists":
            raise Conflict("written meanwhile: read it back")
        if entry.uncollected:
            logger.warning(
                "refund reversal not fully covered",
                extra={"order_key": order_key, "uncollected": entry.uncollected},
            )
        return entry

    entry = retry(attempt, times=MAX_ATTEMPTS)
    if entry is not None:
        _announce(entry)


# --- referrals and tasks --------------------------------------------------------------------


def referrer_of(contact_id: str, contact: Contact | None = None) -> str | None:
    """The contact whose referral code brought ``contact_id``, if any: the relationship
    added through a code on the referral channel, whose code names its referrer."""
    from chalicelib.contacts.queries import find_contact
    from chalicelib.livecodes.queries import REFERRAL_CHANNEL, referrer_of_code

    contact = contact or find_contact(contact_id)
    if contact is None:
        return None
    for rel in sorted(contact.relationships, key=lambda r: r.added_at or 0):
        if rel.channel != REFERRAL_CHANNEL or not rel.code:
            continue
        referrer = referrer_of_code(rel.code)
        if referrer and referrer != contact_id:
            return referrer
    return None


def award_referral(
    referred: str,
    at: int,
    earning: EarningRules | None = None,
    contact: Contact | None = None,
) -> bool:
    """The referrer earns the referral points once per referred contact."""
    earning = earning or rules()
    if not earning.referral_points:
        return False
    referrer = referrer_of(referred, contact)
    if referrer is None:
        return False
    entry_id = f"referral#{referred}"
    written = credit(
        referrer,
        entry_id,
        "referral",
        earning.referral_points,
        at,
        reason="referral",
        ref=referred,
        earning=earning,
    )
    if written is None:
        existing = store.get_entry(referrer, entry_id)
        if existing is not None:
            _announce(existing)
    return written is not None


def award_task(contact_id: str, body: TaskIn, principal: str) -> LedgerEntry:
    earning = rules()
    points = earning.tasks.get(body.task)
    if points is None:
        raise UnknownTask(f"no task {body.task!r} in the earning rules")
    entry_id = f"task#{body.task}#{body.ref}"
    at = int(time.time())
    written = credit(
        contact_id,
        entry_id,
        "task",
        points,
        at,
        reason=body.task,
        ref=body.ref,
        operator=principal,
        earning=earning,
    )
    return (written or _existing(contact_id, entry_id)).view()


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
    if found.delta != -body.points or found.kind != "redeem":
        raise RequestReused(f"request_id {body.request_id} was used for another entry")
    logger.info("points redeemed", extra={"points": body.points, "principal": principal})
    return found.view()


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
    daily = DailyCap(principal, _local_day(at), size, earning.adjust_daily_cap)
    if body.delta > 0:
        written = credit(
            contact_id,
            entry_id,
            "adjust",
            body.delta,
            at,
            reason=body.reason,
            operator=principal,
            earning=earning,
            daily=daily,
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
            daily=daily,
        )
    found = written or _existing(contact_id, entry_id)
    if found.delta != body.delta or found.kind != "adjust":
        raise RequestReused(f"request_id {body.request_id} was used for another entry")
    logger.info("points adjusted", extra={"delta": body.delta, "principal": principal})
    return found.view()


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


def _existing(contact_id: str, entry_id: str) -> Entry:
    found = store.get_entry(contact_id, entry_id)
    if found is None:
        raise LedgerBusy("the entry could not be read back; retry")
    return found


# --- expiry -------------------------------------------------------------------------------

EXPIRY_JOB = "expire_points"
#: Lots expired at once by a run (each is a few DynamoDB round trips, so threads overlap).
JOB_WORKERS = 8
#: What a run leaves of its time budget for saving where the next run resumes.
BUDGET_MARGIN_S = 1.0


def expire_due(
    now: int | None = None,
    limit: int = 100,
    budget_s: float = 25.0,
    clock: Callable[[], float] = time.monotonic,
    workers: int = JOB_WORKERS,
) -> ExpiryRun:
    """Expire every lot whose time has come (the scheduled job): a sweep of the shards in
    turn, a page of ``limit`` lots at a time (``workers`` lots at once), until the last
    shard is done or ``budget_s`` seconds are spent: then the shard and the page it had
    reached are saved and the next run goes on from there (``more``); the run after a
    finished sweep starts a new one. Memory holds one page, whatever the number of
    accounts."""
    from concurrent.futures import ThreadPoolExecutor

    at = int(now if now is not None else time.time())
    deadline = clock() + budget_s - BUDGET_MARGIN_S
    saved = store.job_cursor(EXPIRY_JOB)
    first = int(saved.get("shard", 0)) % store.EXPIRY_SHARDS
    start: dict[str, Any] | None = saved.get("start") or None
    lots = points = 0
    more = False
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for shard in range(first, store.EXPIRY_SHARDS):  # the sweep goes on from the saved shard
            while True:
                if clock() >= deadline:
                    more = True
                    break
                page, following = store.due_lots(f"lots#{shard}", at, limit, start)
                lots += len(page)
                points += sum(
                    pool.map(lambda lot: expire_lot(lot.contact_id, lot.entry_id, at), page)
                )
                if following is None:
                    break
                start = following  # what was expired left the index: the next page is past it
            if more:
                store.save_job_cursor(EXPIRY_JOB, {"shard": shard, "start": start}, at)
                break
            start = None
    if not more and saved:
        store.save_job_cursor(EXPIRY_JOB, {}, at)
    if points:
        metrics.add_metric(name="PointsExpired", unit=MetricUnit.Count, value=points)
    return ExpiryRun(lots=lots, expired_points=points, more=more)


def expire_lot(contact_id: str, lot_id: str, at: int) -> int:
    """Expire what is left of one lot when debits consume lots oldest first: with C the
    lot's cumulative credit (every lot up to it, net of reversals) and D every debit so
    far (expiries included), ``min(lot, C - D)`` points are still unspent."""

    def attempt() -> int:
        read = store.get_account(contact_id)
        credits = [e for e in store.entries(contact_id) if e.amount is not None]
        target = next((e for e in credits if e.entry_id == lot_id), None)
        if read is None or target is None or not target.expiring:
            return 0
        cumulative = 0
        for lot in credits:
            cumulative += (lot.amount or 0) - lot.reversed
            if lot.entry_id == lot_id:
                break
        net = (target.amount or 0) - target.reversed
        x = max(0, min(net, cumulative - read.debited, read.balance))
        entry = None
        if x:
            entry = _new_entry(
                contact_id,
                f"expire#{lot_id}",
                "expire",
                -x,
                at,
                reason="expired",
                ref=lot_id,
                balance_after=read.balance - x,
            )
        if store.expire(target, read, entry) == "exists":
            raise Conflict("expired meanwhile: read again")
        if entry is not None:
            _announce(entry)
        return x

    return retry(attempt, times=MAX_ATTEMPTS)


# --- reads --------------------------------------------------------------------------------


def account(contact_id: str, limit: int = 100, cursor: str | None = None) -> Account:
    """The balance and a page of the ledger, newest entry first."""
    from chalicelib.core.paging import PageRequest, list_page

    found = store.get_account(contact_id) or Balance()
    ledger, following = list_page(
        store.entries(contact_id),
        lambda e: e.order,
        PageRequest(limit, cursor),
        newest_first=True,
    )
    return Account(
        contact_id=contact_id,
        balance=found.balance,
        credited=found.credited,
        debited=found.debited,
        reversed=found.reversed_total,
        entries=[entry.view() for entry in ledger],
        next_cursor=following,
    )


def balance(contact_id: str) -> int:
    found = store.get_account(contact_id)
    return found.balance if found else 0


def reconcile(contact_id: str) -> Reconciliation:
    """Read the account, then every entry, then the account again (retrying while entries
    land in between): the balance must equal the ledger's sum and the account's totals."""

    def snapshot() -> tuple[list[Entry], Balance | None]:
        before = store.get_account(contact_id)
        ledger = store.entries(contact_id)
        after = store.get_account(contact_id)
        if (before and before.version) != (after and after.version):
            raise Conflict("the account moved while its ledger was read")
        return ledger, after

    ledger, after = retry(snapshot, times=MAX_ATTEMPTS)
    total = sum(e.delta for e in ledger)
    held = after.balance if after else 0
    totals_agree = after is None or (after.credited - after.debited - after.reversed_total == held)
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
