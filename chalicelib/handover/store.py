"""The transfers table and the initial-sync cursor.

Items of the ``transfers`` table:

- ``pk=transfer#<handover_userid>, sk=customer#<external_userid>`` — the latest handover of
  a customer away from a member: takeover_userid, status, errcode (WeCom's, per customer),
  resigned, requested_at, requested_by, takeover_time, updated_at, slot;
- ``pk=customer#<external_userid>, sk=quota`` — the customer's transfers inside WeCom's
  90-day window (``slots``: slot id → requested_at), under optimistic locking so two
  concurrent requests cannot both take the last slot;
- ``pk=waiting, sk=<handover>#<takeover>#<onjob|resigned>`` — pairs with transfers still
  open, which is what the refresh polls (a query, never a scan).

The initial sync keeps its position in the runtime-state table (``pk=contacts#sync``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import DeleteError, PutError, PynamoDBException, UpdateError

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.handover.models import OPEN
from chalicelib.storage.dynamo import TableModel, condition_failed
from chalicelib.storage.keys import Prefix
from chalicelib.storage.schema import RUNTIME_STATE, TRANSFERS

QUOTA = "quota"
WAITING_PK = "waiting"
SYNC_KEY = "contacts#sync"
SYNC_TTL = timedelta(days=30)


transfer_pk = Prefix("transfer#")
customer_sk = Prefix("customer#")


def pair_sk(handover_userid: str, takeover_userid: str, resigned: bool) -> str:
    return f"{handover_userid}#{takeover_userid}#{'resigned' if resigned else 'onjob'}"


class TransferItem(TableModel):
    schema = TRANSFERS
    handover_userid = UnicodeAttribute()
    external_userid = UnicodeAttribute()
    takeover_userid = UnicodeAttribute()
    status = UnicodeAttribute()
    errcode = NumberAttribute(null=True)
    resigned = BooleanAttribute(default=False)
    requested_at = NumberAttribute()
    requested_by = UnicodeAttribute(default="")
    takeover_time = NumberAttribute(null=True)
    updated_at = NumberAttribute()
    slot = UnicodeAttribute(null=True)


class QuotaItem(TableModel):
    schema = TRANSFERS
    sk = UnicodeAttribute(range_key=True, default=QUOTA)
    slots: MapAttribute[str, Any] = MapAttribute(default=dict)
    version = VersionAttribute()


class WaitingPairItem(TableModel):
    schema = TRANSFERS
    pk = UnicodeAttribute(hash_key=True, default=WAITING_PK)
    handover_userid = UnicodeAttribute()
    takeover_userid = UnicodeAttribute()
    resigned = BooleanAttribute(default=False)
    since = NumberAttribute()


class SyncStateItem(TableModel):
    schema = RUNTIME_STATE
    pk = UnicodeAttribute(hash_key=True, default=SYNC_KEY)
    staff: ListAttribute[str] = ListAttribute(default=list)
    batch = NumberAttribute(default=0)
    cursor = UnicodeAttribute(default="")
    done_staff = NumberAttribute(default=0)
    contacts_seen = NumberAttribute(default=0)
    finished = BooleanAttribute(default=False)
    started_at = NumberAttribute(default=0)
    updated_at = NumberAttribute(default=0)
    version = VersionAttribute()
    expires_at = TTLAttribute(null=True)


class StaleWrite(Exception):
    """Another writer changed the item since it was read (optimistic locking)."""


# --- transfers ------------------------------------------------------------------------------


def save_transfer(item: TransferItem) -> None:
    try:
        item.save()
    except PutError as error:
        raise DependencyUnavailable("the transfers table did not accept a write") from error


def new_transfer(**values: Any) -> TransferItem:
    return TransferItem(
        transfer_pk(values["handover_userid"]), customer_sk(values["external_userid"]), **values
    )


def transfers_of(handover_userid: str, limit: int) -> list[TransferItem]:
    model = TransferItem
    return list(
        model.query(transfer_pk(handover_userid), model.sk.startswith("customer#"), limit=limit)
    )


def get_transfer(handover_userid: str, external_userid: str) -> TransferItem | None:
    model = TransferItem
    try:
        return model.get(transfer_pk(handover_userid), customer_sk(external_userid))
    except model.DoesNotExist:
        return None


def settle(
    item: TransferItem, takeover_userid: str, status: str, takeover_time: int | None, now: int
) -> bool:
    """Record a result for an open transfer to ``takeover_userid``; False if the stored
    transfer is no longer that one (settled already, or a newer request replaced it)."""
    model = type(item)
    actions: list[Any] = [model.status.set(status), model.updated_at.set(now)]
    if takeover_time:
        actions.append(model.takeover_time.set(takeover_time))
    try:
        item.update(
            actions=actions,
            condition=(model.takeover_userid == takeover_userid)
            & model.status.is_in(*sorted(OPEN))
            & (model.requested_at == item.requested_at),
        )
    except UpdateError as error:
        if condition_failed(error):
            return False
        raise DependencyUnavailable("the transfers table did not accept a write") from error
    return True


def open_count(handover_userid: str, takeover_userid: str, resigned: bool) -> int:
    model = TransferItem
    return int(
        model.count(
            transfer_pk(handover_userid),
            range_key_condition=model.sk.startswith("customer#"),
            filter_condition=(model.takeover_userid == takeover_userid)
            & (model.resigned == resigned)
            & model.status.is_in(*sorted(OPEN)),
            consistent_read=True,
        )
    )


# --- the 90-day cap ---------------------------------------------------------------------------


def quota_slots(external_userid: str) -> tuple[QuotaItem, dict[str, int]]:
    """The customer's quota item and its slots (slot id → requested_at)."""
    model = QuotaItem
    try:
        item = model.get(customer_pk(external_userid), QUOTA, consistent_read=True)
    except model.DoesNotExist:
        item = model(customer_pk(external_userid), QUOTA)
    except PynamoDBException as error:
        raise DependencyUnavailable("the transfers table did not answer") from error
    raw = item.slots.as_dict() if isinstance(item.slots, MapAttribute) else dict(item.slots or {})
    return item, {str(k): int(v) for k, v in raw.items()}


def save_slots(item: QuotaItem, slots: dict[str, int]) -> None:
    """Write the slots back; :class:`StaleWrite` when another request changed them first."""
    item.slots = slots
    try:
        item.save()
    except PutError as error:
        if condition_failed(error):
            raise StaleWrite(item.pk) from error
        raise DependencyUnavailable("the transfers table did not accept a write") from error


customer_pk = Prefix("customer#")


# --- pairs with open transfers ------------------------------------------------------------


def mark_waiting(handover_userid: str, takeover_userid: str, resigned: bool, now: int) -> None:
    model = WaitingPairItem
    item = model(
        WAITING_PK,
        pair_sk(handover_userid, takeover_userid, resigned),
        handover_userid=handover_userid,
        takeover_userid=takeover_userid,
        resigned=resigned,
        since=now,
    )
    try:
        item.save()
    except PutError as error:
        raise DependencyUnavailable("the transfers table did not accept a write") from error


def waiting_pairs(handover_userid: str | None, limit: int) -> Iterator[WaitingPairItem]:
    model = WaitingPairItem
    condition = model.sk.startswith(f"{handover_userid}#") if handover_userid else None
    return model.query(WAITING_PK, condition, limit=limit)


def drop_waiting(pair: WaitingPairItem) -> None:
    try:
        pair.delete()
    except DeleteError as error:
        raise DependencyUnavailable("the transfers table did not accept a delete") from error


# --- the initial sync ---------------------------------------------------------------------


def sync_state() -> SyncStateItem | None:
    model = SyncStateItem
    try:
        return model.get(SYNC_KEY, consistent_read=True)
    except model.DoesNotExist:
        return None


def new_sync_state(staff: list[str], now: int) -> SyncStateItem:
    return SyncStateItem(SYNC_KEY, staff=staff, started_at=now, updated_at=now)


def save_sync_state(state: SyncStateItem) -> None:
    """Save the position; :class:`StaleWrite` when another run moved it since it was read."""
    state.expires_at = SYNC_TTL
    try:
        state.save()
    except PutError as error:
        if condition_failed(error):
            raise StaleWrite(SYNC_KEY) from error
        raise DependencyUnavailable("the sync position could not be saved") from error
