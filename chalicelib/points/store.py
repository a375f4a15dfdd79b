"""The points table's items (see :data:`chalicelib.storage.schema.POINTS`).

- ``pk=account#<contact>``, ``sk=balance``: :class:`AccountItem` — the balance and the
  running totals (credited, debited, reversed) and a version moved by every entry
- ``pk=account#<contact>``, ``sk=entry#<entry id>``: :class:`EntryItem`, one per ledger
  entry; a credit is also a lot (``amount``, ``reversed``, ``expired``) and, while it has
  points that may expire, carries ``expiry_shard`` and ``expires_at`` (→ by_expiry)
- ``pk=config``, ``sk=earning``: :class:`ConfigItem`, the earning rules

Every entry is written in one transaction with the account update, under the condition
that the entry does not exist yet (its id is deterministic: a retry writes nothing) and,
for debits, that the balance covers it (it never goes negative).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.ops import transaction
from chalicelib.storage.schema import POINTS

BALANCE = "balance"
ENTRY = "entry#"
EXPIRY_SHARDS = 8


def account_pk(contact_id: str) -> str:
    return f"account#{contact_id}"


def entry_sk(entry_id: str) -> str:
    return f"{ENTRY}{entry_id}"


def expiry_shard(contact_id: str) -> str:
    return f"lots#{zlib.crc32(contact_id.encode()) % EXPIRY_SHARDS}"


class ByExpiry(GlobalSecondaryIndex["PointsItem"]):
    class Meta:
        index_name = POINTS.indexes[0].name
        projection = AllProjection()

    expiry_shard = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute(range_key=True)


class PointsItem(TableModel):
    schema = POINTS

    class Meta(TableModel.Meta):
        abstract = True

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    expiry_shard = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)

    by_expiry = ByExpiry()


class AccountItem(PointsItem):
    class Meta(TableModel.Meta):
        abstract = False

    balance = NumberAttribute(default=0)
    credited = NumberAttribute(default=0)
    debited = NumberAttribute(default=0)
    reversed_total = NumberAttribute(default=0)
    version = NumberAttribute(default=0)
    updated_at = NumberAttribute(default=0)


class EntryItem(PointsItem):
    class Meta(TableModel.Meta):
        abstract = False

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

    class Meta(TableModel.Meta):
        abstract = False

    total = NumberAttribute(default=0)


def adjusted_handle(principal: str, day: str) -> AdjustedItem:
    return AdjustedItem.bound()(f"adjusted#{principal}", f"day#{day}")


class ConfigItem(PointsItem):
    class Meta(TableModel.Meta):
        abstract = False

    doc = JSONAttribute(default=dict)
    updated_by = UnicodeAttribute(default="")
    updated_at = NumberAttribute(default=0)


class Refused(Exception):
    """A transaction's condition failed; ``index`` names the operation (in the order added)."""

    def __init__(self, index: int) -> None:
        super().__init__(f"condition {index} failed")
        self.index = index


def _unavailable() -> DependencyUnavailable:
    return DependencyUnavailable("the points table did not answer")


def run(write: Callable[[TransactWrite], None]) -> None:
    """One transaction; :class:`Refused` names the first condition that failed."""
    try:
        with transaction() as tx:
            write(tx)
    except TransactWriteError as error:
        reasons = [r.code if r is not None else None for r in error.cancellation_reasons or []]
        for index, code in enumerate(reasons):
            if code == "ConditionalCheckFailed":
                raise Refused(index) from error
        raise _unavailable() from error


def move_balance(
    tx: TransactWrite,
    contact_id: str,
    delta: int,
    total: NumberAttribute,
    at: int,
    condition: Any = None,
) -> None:
    """Add ``delta`` to the balance and ``abs(delta)`` to one running total (``credited``,
    ``debited`` or ``reversed_total``), bumping the version, in transaction ``tx``."""
    model = AccountItem
    tx.update(
        account_handle(contact_id),
        actions=[
            model.balance.add(delta),
            total.add(abs(delta)),
            model.version.add(1),
            model.updated_at.set(at),
        ],
        condition=condition,
    )


def get_account(contact_id: str) -> AccountItem | None:
    model = AccountItem.bound()
    try:
        return model.get(account_pk(contact_id), BALANCE, consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable() from error


def account_handle(contact_id: str) -> AccountItem:
    return AccountItem.bound()(account_pk(contact_id), BALANCE)


def get_entry(contact_id: str, entry_id: str) -> EntryItem | None:
    model = EntryItem.bound()
    try:
        return model.get(account_pk(contact_id), entry_sk(entry_id), consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable() from error


def entries(contact_id: str) -> list[EntryItem]:
    """Every ledger entry of the account (consistent), oldest first."""
    model = EntryItem.bound()
    try:
        found = list(
            model.query(account_pk(contact_id), model.sk.startswith(ENTRY), consistent_read=True)
        )
    except PynamoDBException as error:
        raise _unavailable() from error
    return sorted(found, key=lambda e: (int(e.at), int(e.written_ns or 0), str(e.entry_id)))


def set_balance_after(entry: EntryItem, balance: int) -> None:
    try:
        entry.update(actions=[EntryItem.balance_after.set(balance)])
    except PynamoDBException as error:
        raise _unavailable() from error


def due_lots(shard: str, now: int, limit: int) -> list[EntryItem]:
    model = EntryItem.bound()
    try:
        found = model.by_expiry.query(shard, model.expires_at <= now, limit=limit)
        return [item for item in found if isinstance(item, EntryItem)]
    except PynamoDBException as error:
        raise _unavailable() from error


def get_config(name: str) -> dict[str, Any] | None:
    model = ConfigItem.bound()
    try:
        return dict(model.get("config", name, consistent_read=True).doc)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable() from error


def put_config(name: str, doc: dict[str, Any], principal: str, at: int) -> None:
    model = ConfigItem.bound()
    try:
        model("config", name, doc=doc, updated_by=principal, updated_at=at).save()
    except PynamoDBException as error:
        raise _unavailable() from error
