"""The points table's items (see :data:`chalicelib.storage.schema.POINTS`), read and written
as the context's domain objects (:class:`~chalicelib.points.models.Entry`,
:class:`~chalicelib.points.models.Balance`).

- ``pk=account#<contact>``, ``sk=balance``: :class:`AccountItem` — the balance and the
  running totals (credited, debited, reversed) and a version moved by every entry
- ``pk=account#<contact>``, ``sk=entry#<entry id>``: :class:`EntryItem`, one per ledger
  entry; a credit is also a lot (``amount``, ``reversed``, ``expired``) and, while it has
  points that may expire, carries ``expiry_shard`` and ``expires_at`` (→ by_expiry)
- ``pk=adjusted#<principal>``, ``sk=day#<local day>``: :class:`AdjustedItem`
- ``pk=config``, ``sk=earning``: :class:`ConfigItem`, the earning rules
- ``pk=job``, ``sk=<job name>``: :class:`JobItem`, where a paged job resumes

Every entry is written in one transaction with the account update, under the conditions
that the entry does not exist yet (its id is deterministic: a retry writes nothing) and
that the account is still at the version read (so ``balance_after`` is exact and a debit
never takes the balance below zero).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException

from chalicelib.points.models import Balance, DailyCap, Entry, EntryKind
from chalicelib.storage import documents, staged
from chalicelib.storage.documents import ConfigDocument, JobCursor
from chalicelib.storage.dynamo import TableModel, index
from chalicelib.storage.keys import Prefix
from chalicelib.storage.ops import Conflict, get_or_none, get_together, transact, unavailable
from chalicelib.storage.schema import POINTS

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

BALANCE = "balance"
ENTRY = "entry#"
EXPIRY_SHARDS = 8
WHAT = "the points table"

#: What a ledger write did: ``written``; ``exists`` (the entry was written before: a
#: replay); ``capped`` (the person's manual adjustments of the day would pass the cap).
#: When the account or the lot changed since read, :class:`Conflict` (read again).
Outcome = Literal["written", "exists", "capped"]
MOVED = "moved"
Total = Literal["credited", "debited", "reversed_total"]


account_pk = Prefix("account#")
entry_sk = Prefix(ENTRY)


def expiry_shard(contact_id: str) -> str:
    return f"lots#{zlib.crc32(contact_id.encode()) % EXPIRY_SHARDS}"


class PointsItem(TableModel):
    schema = POINTS

    class Meta(TableModel.Meta):
        abstract = True

    expiry_shard = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)

    by_expiry = index(POINTS, "by_expiry")


class AccountItem(PointsItem):
    balance = NumberAttribute(default=0)
    credited = NumberAttribute(default=0)
    debited = NumberAttribute(default=0)
    reversed_total = NumberAttribute(default=0)
    version = NumberAttribute(default=0)
    updated_at = NumberAttribute(default=0)


class EntryItem(PointsItem):
    contact_id = UnicodeAttribute()
    entry_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    delta = NumberAttribute()
    at = NumberAttribute()
    #: When the entry was written (ns): orders entries that share a second.
    written_ns = NumberAttribute(default=0)
    reason = UnicodeAttribute(default="")
    ref = UnicodeAttribute(default="")
    operator = UnicodeAttribute(default="")
    uncollected = NumberAttribute(default=0)
    balance_after = NumberAttribute(null=True)
    # Credits (lots) only.
    amount = NumberAttribute(null=True)
    reversed = NumberAttribute(default=0)
    expired = NumberAttribute(default=0)
    lot_expires_at = NumberAttribute(null=True)


class AdjustedItem(PointsItem):
    """``pk=adjusted#<principal>``, ``sk=day#<local day>``: points the person moved by hand
    that day, checked against the daily cap in the adjustment's own transaction."""

    total = NumberAttribute(default=0)


class ConfigItem(ConfigDocument, PointsItem):
    """``pk=config``, ``sk=earning``: the earning rules."""


class JobItem(JobCursor, PointsItem):
    """``pk=job``, ``sk=<job name>``: where a paged job resumes."""


# --- domain objects -------------------------------------------------------------------------


def _int(value: Any) -> int:
    return int(value or 0)


def _entry(item: EntryItem) -> Entry:
    return Entry(
        contact_id=item.contact_id,
        entry_id=item.entry_id,
        kind=cast(EntryKind, item.kind),
        delta=_int(item.delta),
        at=_int(item.at),
        written_ns=_int(item.written_ns),
        reason=item.reason or "",
        ref=item.ref or "",
        operator=item.operator or "",
        uncollected=_int(item.uncollected),
        balance_after=None if item.balance_after is None else int(item.balance_after),
        amount=None if item.amount is None else int(item.amount),
        reversed=_int(item.reversed),
        expired=_int(item.expired),
        expires_at=None if item.lot_expires_at is None else int(item.lot_expires_at),
        expiring=item.expiry_shard is not None,
    )


def _balance(item: AccountItem | None) -> Balance | None:
    if item is None:
        return None
    return Balance(
        balance=_int(item.balance),
        credited=_int(item.credited),
        debited=_int(item.debited),
        reversed_total=_int(item.reversed_total),
        version=_int(item.version),
    )


def _item(entry: Entry) -> EntryItem:
    item = EntryItem(
        account_pk(entry.contact_id),
        entry_sk(entry.entry_id),
        contact_id=entry.contact_id,
        entry_id=entry.entry_id,
        kind=entry.kind,
        delta=entry.delta,
        at=entry.at,
        written_ns=entry.written_ns or time.time_ns(),
        reason=entry.reason,
        ref=entry.ref,
        operator=entry.operator,
        uncollected=entry.uncollected,
        balance_after=entry.balance_after,
        amount=entry.amount,
        reversed=entry.reversed,
        expired=entry.expired,
        lot_expires_at=entry.expires_at,
    )
    if entry.expiring and entry.expires_at is not None:
        item.expires_at = entry.expires_at
        item.expiry_shard = expiry_shard(entry.contact_id)
    return item


# --- reads ------------------------------------------------------------------------------------


def get_account(contact_id: str) -> Balance | None:
    return _balance(get_or_none(AccountItem, account_pk(contact_id), BALANCE, consistent=True))


def config_and_account(name: str, contact_id: str) -> tuple[dict[str, Any] | None, Balance | None]:
    """A configuration document and the contact's account, in one read."""
    config, found = get_together(
        [(ConfigItem, documents.CONFIG_PK, name), (AccountItem, account_pk(contact_id), BALANCE)]
    )
    doc = dict(config.doc) if isinstance(config, ConfigItem) else None
    return doc, _balance(found if isinstance(found, AccountItem) else None)


def _known(contact_id: str) -> tuple[str, str]:
    return ("points-ledger", contact_id)


def account_and_entries(contact_id: str) -> tuple[Balance | None, list[Entry]]:
    """The account and every entry of it, oldest first (one consistent Query of its
    partition). Inside a processing pass the ledger is then known to the pass: the
    entries this pass writes on that account version are added to it (:func:`known_entries`)."""
    connection = AccountItem._get_connection()
    raws: list[dict[str, Any]] = []
    start: Any = None
    try:
        while True:
            answer = connection.query(
                account_pk(contact_id), consistent_read=True, exclusive_start_key=start
            )
            raws.extend(answer.get("Items", []))
            start = answer.get("LastEvaluatedKey")
            if not start:
                break
    except PynamoDBException as error:
        raise unavailable(WHAT) from error
    account: AccountItem | None = None
    found: list[Entry] = []
    for raw in raws:
        sk = str(next(iter(raw["sk"].values())))
        if sk == BALANCE:
            account = AccountItem.from_raw_data(raw)
        elif sk.startswith(ENTRY):
            found.append(_entry(EntryItem.from_raw_data(raw)))
    found.sort(key=lambda e: e.order)
    read = _balance(account)
    staged.remember(_known(contact_id), (read.version if read else 0, found))
    return read, found


def known_entries(contact_id: str) -> list[Entry] | None:
    """Every entry of the account as this pass last read and wrote it, else ``None``."""
    known = staged.recall(_known(contact_id))
    return None if known is None else list(known[1])


def _advance_known(entry: Entry, version: int, known: Any) -> None:
    """The pass's ledger of the account, with ``entry`` written on ``version``: known
    again when it was known at that version."""
    if known is not None and known[0] == version:
        staged.remember(_known(entry.contact_id), (version + 1, [*known[1], entry]))


def balances(contact_ids: Sequence[str]) -> dict[str, int]:
    """Balances of the contacts that have an account (BatchGetItem)."""
    keys = [(account_pk(c), BALANCE) for c in dict.fromkeys(contact_ids)]
    try:
        return {
            item.pk.removeprefix(account_pk("")): _int(item.balance)
            for item in AccountItem.batch_get(keys)
        }
    except PynamoDBException as error:
        raise unavailable(WHAT) from error


def get_entry(contact_id: str, entry_id: str) -> Entry | None:
    found = get_or_none(EntryItem, account_pk(contact_id), entry_sk(entry_id), consistent=True)
    return None if found is None else _entry(found)


def entries(contact_id: str) -> list[Entry]:
    """Every ledger entry of the account (consistent), oldest first."""
    try:
        found = [
            _entry(item)
            for item in EntryItem.query(
                account_pk(contact_id), EntryItem.sk.startswith(ENTRY), consistent_read=True
            )
        ]
    except PynamoDBException as error:
        raise unavailable(WHAT) from error
    return sorted(found, key=lambda e: e.order)


def due_lots(
    shard: str, now: int, limit: int, start: dict[str, Any] | None = None
) -> tuple[list[Entry], dict[str, Any] | None]:
    """A page of the shard's lots due by ``now`` (oldest first), and where the next starts."""
    try:
        found = EntryItem.by_expiry.query(
            shard, EntryItem.expires_at <= now, limit=limit, last_evaluated_key=start
        )
        lots = [_entry(item) for item in found if isinstance(item, EntryItem)]
        return lots, found.last_evaluated_key
    except PynamoDBException as error:
        raise unavailable(WHAT) from error


def get_config(name: str) -> dict[str, Any] | None:
    return documents.read_config(ConfigItem, name)


def put_config(name: str, doc: dict[str, Any], principal: str, at: int) -> None:
    documents.write_config(ConfigItem, name, doc, principal, at, WHAT)


def job_cursor(name: str) -> dict[str, Any]:
    return documents.read_cursor(JobItem, name)


def save_job_cursor(name: str, cursor: dict[str, Any], at: int) -> None:
    documents.write_cursor(JobItem, name, cursor, at, WHAT)


# --- writes -----------------------------------------------------------------------------------


def _move(
    tx: TransactWrite, contact_id: str, delta: int, total: Total, at: int, version: int
) -> None:
    """Add ``delta`` to the balance and ``abs(delta)`` to one running total, bumping the
    version, if the account is still at ``version`` (0: not created yet)."""
    model = AccountItem
    condition = model.version == version
    if not version:
        condition = model.version.does_not_exist() | condition
    tx.update(
        AccountItem(account_pk(contact_id), BALANCE),
        actions=[
            model.balance.add(delta),
            getattr(model, total).add(abs(delta)),
            model.version.add(1),
            model.updated_at.set(at),
        ],
        condition=condition,
    )


def _count_daily(tx: TransactWrite, daily: DailyCap) -> None:
    counted = AdjustedItem
    tx.update(
        AdjustedItem(f"adjusted#{daily.principal}", f"day#{daily.day}"),
        actions=[counted.total.add(daily.size)],
        condition=counted.total.does_not_exist() | (counted.total <= daily.cap - daily.size),
    )


def _outcome(write: Any, names: Sequence[str]) -> Outcome:
    """Run the transaction; the outcome named by the operation whose condition failed
    (operations are sent puts first, then updates, in the order added), :class:`Conflict`
    when it names a change since read."""
    try:
        transact(write, WHAT)
    except Conflict as conflict:
        index = conflict.index or 0
        name = names[index] if index < len(names) else MOVED
        if name == MOVED:
            raise
        return cast(Outcome, name)
    return "written"


def add_entry(entry: Entry, read: Balance | None, total: Total, daily: DailyCap | None) -> Outcome:
    """Write a new entry with the account update it makes (``entry.delta`` on the balance,
    its size on ``total``), once, if the account is still as ``read``; with ``daily``, the
    person's manual adjustments of the day counted in the same transaction."""
    version = read.version if read is not None else 0

    def write(tx: TransactWrite) -> None:
        tx.save(_item(entry), condition=EntryItem.pk.does_not_exist())
        _move(tx, entry.contact_id, entry.delta, total, entry.at, version)
        if daily is not None:
            _count_daily(tx, daily)

    known = staged.recall(_known(entry.contact_id))
    staged.forget(_known(entry.contact_id))  # whatever happens: known again only if written
    outcome = _outcome(write, ("exists", MOVED, "capped"))
    if outcome == "written":
        _advance_known(entry, version, known)
    return outcome


def add_reversal(entry: Entry, lot: Entry, read: Balance) -> Outcome:
    """Write a refund's reversal of ``lot`` (``-entry.delta`` more reversed) once, if the lot
    and the account are still as read."""
    taken = -entry.delta
    lots = EntryItem
    staged.forget(_known(entry.contact_id))  # the lot changes: read again

    def write(tx: TransactWrite) -> None:
        tx.save(_item(entry), condition=lots.pk.does_not_exist())
        tx.update(
            EntryItem(account_pk(lot.contact_id), entry_sk(lot.entry_id)),
            actions=[lots.reversed.set(lot.reversed + taken)],
            condition=(lots.reversed == lot.reversed) & (lots.expired == lot.expired),
        )
        _move(tx, entry.contact_id, entry.delta, "reversed_total", entry.at, read.version)

    return _outcome(write, ("exists", MOVED, MOVED))


def expire(lot: Entry, read: Balance, entry: Entry | None) -> Outcome:
    """Close ``lot`` (off the expiry index) with ``entry`` debiting what was left of it
    (``None``: nothing was left), if the lot and the account are still as read."""
    lots = EntryItem
    taken = 0 if entry is None else -entry.delta
    staged.forget(_known(lot.contact_id))  # the lot changes: read again

    def write(tx: TransactWrite) -> None:
        if entry is not None:
            tx.save(_item(entry), condition=lots.pk.does_not_exist())
        tx.update(
            EntryItem(account_pk(lot.contact_id), entry_sk(lot.entry_id)),
            actions=[lots.expired.set(taken), lots.expiry_shard.remove(), lots.expires_at.remove()],
            condition=lots.expiry_shard.exists() & (lots.reversed == lot.reversed),
        )
        _move(
            tx,
            lot.contact_id,
            -taken,
            "debited",
            lot.at if entry is None else entry.at,
            read.version,
        )

    names = ("exists", MOVED, MOVED) if entry else (MOVED, MOVED)
    return _outcome(write, names)
