"""The reports' items: the daily counters, the memos of what they counted, the reports.

- daily-stats table (written by the reports context alone, :class:`DayStatItem`):

  - ``pk=day#<local day>#<shard>``, ``sk=<dimension>`` (see
    :mod:`chalicelib.reports.aggregates`): a day's counters, written across
    :data:`SHARDS` partition keys (the shard of an effect is a hash of its id), so a busy
    day spreads its writes; a read sums the shards;
  - ``pk=group#<chat_id>``, ``sk=day#<local day>``: one customer group's joins and leaves.

- reports table: ``pk=order#<key>, sk=memo`` (:class:`OrderMemoItem`, what the aggregates
  counted of an order), ``pk=losses#<external userid>, sk=memo`` (:class:`LossMemoItem`,
  how each deletion of the customer's relationships is counted now) and
  ``pk=reports#<kind>, sk=<period start>`` (:class:`ReportItem`, a generated report and
  its S3 keys).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
)
from pynamodb.exceptions import PynamoDBException

from chalicelib.core.errors import Conflict as DomainConflict
from chalicelib.reports.aggregates import COUNTERS, GROUP_COUNTERS, Delta, Loss, OrderMemo, fold
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.keys import Prefix
from chalicelib.storage.once import MARKER_TTL, EffectMarker, apply_once
from chalicelib.storage.ops import Conflict, get_or_none, save_versioned, unavailable
from chalicelib.storage.schema import DAILY_STATS, REPORTS
from chalicelib.storage.staged import Op, Writes, write

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

#: Partition keys a day's counters are spread over. 1,000 adds a second move three items
#: each in a transaction (2 WCU an item): 6,000 WCU, about 375 per key with 16 shards, under the
#: 1,000 WCU a partition key takes (benchmarks/hot_keys.py).
SHARDS = 16
#: Concurrent reads of a day's shards.
READERS = 8
MEMO = "memo"
MEMO_TTL = timedelta(days=400)
T = TypeVar("T")
R = TypeVar("R")


class DayStatItem(TableModel):
    """One day's counters of one dimension in one shard (or of one group on one day)."""

    schema = DAILY_STATS

    adds = NumberAttribute(null=True)
    deletions_by_customer = NumberAttribute(null=True)
    deletions_by_staff = NumberAttribute(null=True)
    deletions_by_transfer = NumberAttribute(null=True)
    joins = NumberAttribute(null=True)
    leaves = NumberAttribute(null=True)
    join_invited = NumberAttribute(null=True)
    join_qr = NumberAttribute(null=True)
    join_other = NumberAttribute(null=True)
    quit_left = NumberAttribute(null=True)
    quit_removed = NumberAttribute(null=True)
    quit_other = NumberAttribute(null=True)
    orders = NumberAttribute(null=True)
    first_orders = NumberAttribute(null=True)
    repeat_orders = NumberAttribute(null=True)
    gmv_cents = NumberAttribute(null=True)
    refunded_cents = NumberAttribute(null=True)
    points_issued = NumberAttribute(null=True)
    points_earned = NumberAttribute(null=True)
    referral_points = NumberAttribute(null=True)
    points_adjusted_in = NumberAttribute(null=True)
    points_adjusted_out = NumberAttribute(null=True)
    points_redeemed = NumberAttribute(null=True)
    points_expired = NumberAttribute(null=True)
    points_reversed = NumberAttribute(null=True)
    referrals = NumberAttribute(null=True)
    task_points = NumberAttribute(null=True)
    deliveries = NumberAttribute(null=True)
    entered = NumberAttribute(null=True)
    left = NumberAttribute(null=True)
    retention_days_sum = NumberAttribute(null=True)
    retention_known = NumberAttribute(null=True)
    cohort_lost = NumberAttribute(null=True)


class OrderMemoItem(TableModel):
    schema = REPORTS
    counted = NumberAttribute(default=0)
    refunded_cents = NumberAttribute(default=0)


class LossMemoItem(TableModel):
    """``losses``: per staff userid, per deletion fact, the loss as counted now."""

    schema = REPORTS

    losses = JSONAttribute(default=dict)
    version = NumberAttribute(default=0)
    expires_at = TTLAttribute(null=True)  # kept: a later correction moves from it


class ReportItem(TableModel):
    schema = REPORTS
    body = JSONAttribute(default=dict)
    expires_at = TTLAttribute(null=True)  # reports are kept: never set


def _check_counters() -> None:
    missing = [n for n in COUNTERS if n not in DayStatItem.get_attributes()]
    if missing:  # a counter added to aggregates.COUNTERS without a column here
        raise RuntimeError(f"DayStatItem lacks {missing}")


_check_counters()


# --- keys ----------------------------------------------------------------------------------


def shard_of(effect_id: str) -> int:
    """The shard an effect writes its counters to (stable across retries)."""
    digest = hashlib.blake2b(effect_id.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % SHARDS


def day_key(day: str, shard: int) -> str:
    return f"day#{day}#{shard:02d}"


group_key = Prefix("group#")


# --- writes --------------------------------------------------------------------------------


def stage_deltas(tx: TransactWrite, deltas: Iterable[Delta], shard: int = 0) -> None:
    """Add the deltas' updates (one per day and dimension) to a transaction."""
    for (day, dimension), counters in fold(deltas).items():
        actions = [getattr(DayStatItem, name).add(amount) for name, amount in counters.items()]
        tx.update(DayStatItem(day_key(day, shard), dimension), actions=actions)


def delta_ops(deltas: Iterable[Delta], shard: int = 0) -> list[Op]:
    """The deltas as counter additions (one per day and dimension), for
    :func:`chalicelib.storage.staged.write`: additions to the same row merge."""
    return [
        Op(DayStatItem(day_key(day, shard), dimension), adds=dict(counters))
        for (day, dimension), counters in fold(deltas).items()
    ]


def _marker_op(effect_id: str) -> Op:
    marker = EffectMarker(f"once#{effect_id}", expires_at=MARKER_TTL)
    return Op(marker, EffectMarker.pk.does_not_exist())


def keep_deltas_once(effect_id: str, deltas: Sequence[Delta]) -> None:
    """Move the counters once per ``effect_id``, with the pass's other read-model writes
    (at once outside a pass)."""
    if not deltas:
        return
    ops = [_marker_op(effect_id), *delta_ops(deltas, shard_of(effect_id))]
    write(Writes("the daily counters", ops, guard=0))


@dataclass(frozen=True)
class GroupCounts:
    """A group's counters to move on one local day."""

    chat_id: str
    day: str
    counters: Mapping[str, int] = field(default_factory=dict)


def apply_deltas_once(
    effect_id: str, deltas: Sequence[Delta], group: GroupCounts | None = None
) -> bool:
    """Move the counters once per ``effect_id`` (False when already moved, or nothing to
    move). The day's rows go to the effect's shard; ``group``'s own row with them."""
    group_actions = []
    if group is not None:
        group_actions = [
            getattr(DayStatItem, name).add(n)
            for name, n in group.counters.items()
            if n and name in GROUP_COUNTERS
        ]
    if not deltas and not group_actions:
        return False
    shard = shard_of(effect_id)

    def effect(tx: TransactWrite) -> None:
        stage_deltas(tx, deltas, shard)
        if group is not None and group_actions:
            tx.update(
                DayStatItem(group_key(group.chat_id), f"day#{group.day}"), actions=group_actions
            )

    return apply_once(effect_id, effect)


def order_memo(order_key: str) -> OrderMemo | None:
    item = get_or_none(OrderMemoItem, f"order#{order_key}", MEMO, consistent=True)
    if item is None:
        return None
    return OrderMemo(counted=bool(item.counted), refunded_cents=int(item.refunded_cents or 0))


class MemoChanged(DomainConflict):
    """Another change of the same order was counted meanwhile."""

    code = "order_memo_changed"


def apply_order_once(
    effect_id: str,
    order_key: str,
    read: OrderMemo | None,
    memo: OrderMemo,
    deltas: Sequence[Delta],
) -> bool:
    """Save the order's memo (only if it is still what was ``read``, ``None``: none yet)
    and move the counters, with the once-only marker, together: kept for the pass's commit
    inside a pass (a refused memo runs the subscriber again), else in one transaction now.
    False when already applied; :class:`MemoChanged` when a concurrent change of the order
    got there first (written now)."""
    item = OrderMemoItem(
        f"order#{order_key}",
        MEMO,
        counted=int(memo.counted),
        refunded_cents=memo.refunded_cents,
        expires_at=MEMO_TTL,
    )
    condition = (
        OrderMemoItem.pk.does_not_exist()
        if read is None
        else (OrderMemoItem.counted == int(read.counted))
        & (OrderMemoItem.refunded_cents == read.refunded_cents)
    )
    ops = [_marker_op(effect_id), Op(item, condition), *delta_ops(deltas, shard_of(effect_id))]
    try:
        outcome = write(Writes("the order's counters", ops, guard=0))
    except Conflict as conflict:
        raise MemoChanged("the order changed meanwhile") from conflict
    return outcome != "already"


@dataclass
class LossMemo:
    """How each deletion of one customer's relationships is counted now: staff userid →
    deletion fact → loss; ``version`` guards a concurrent save."""

    external_userid: str
    losses: dict[str, dict[str, Loss]] = field(default_factory=dict)
    version: int = 0


def _loss(data: Mapping[str, Any]) -> Loss:
    added, days = data.get("added_at"), data.get("retention_days")
    return Loss(
        at=int(data["at"]),
        by=str(data["by"]),
        channel=str(data.get("channel") or ""),
        code=str(data.get("code") or ""),
        added_at=None if added is None else int(added),
        retention_days=None if days is None else int(days),
    )


def loss_memo(external_userid: str) -> LossMemo:
    item = get_or_none(LossMemoItem, f"losses#{external_userid}", MEMO, consistent=True)
    if item is None:
        return LossMemo(external_userid)
    losses = {
        userid: {name: _loss(value) for name, value in facts.items()}
        for userid, facts in (item.losses or {}).items()
    }
    return LossMemo(external_userid, losses, int(item.version or 0))


def save_loss_memo(memo: LossMemo) -> None:
    """Save the memo if nobody saved it since it was read; :class:`Conflict` otherwise."""
    losses = {
        userid: {name: vars(loss) for name, loss in facts.items()}
        for userid, facts in memo.losses.items()
    }
    item = LossMemoItem(f"losses#{memo.external_userid}", MEMO, losses=losses, version=memo.version)
    save_versioned(item)
    memo.version = int(item.version)


def write_rows(rows: dict[tuple[str, str], dict[str, int]]) -> None:
    """Store folded counters as they are, in shard 0 (benchmarks and tests build
    aggregates this way)."""
    with DayStatItem.batch_write() as batch:
        for (day, dimension), counters in rows.items():
            batch.save(DayStatItem(day_key(day, 0), dimension, **counters))  # type: ignore[arg-type]


# --- reads ---------------------------------------------------------------------------------


def _parallel(read: Callable[[T], R], keys: Sequence[T]) -> list[R]:
    if len(keys) <= 1:
        return [read(k) for k in keys]
    with ThreadPoolExecutor(max_workers=min(READERS, len(keys))) as pool:
        return list(pool.map(read, keys))


def _values(item: DayStatItem) -> dict[str, int]:
    found: dict[str, int] = {}
    for name in COUNTERS:
        value = getattr(item, name)
        if value is not None:
            found[name] = int(value)
    return found


def _add_into(into: dict[str, int], values: Mapping[str, int]) -> None:
    for name, value in values.items():
        into[name] = into.get(name, 0) + value


def _query_shard(key: tuple[str, int, str]) -> list[tuple[str, dict[str, int]]]:
    day, shard, prefix = key
    condition = DayStatItem.sk.startswith(prefix) if prefix else None
    try:
        return [
            (item.sk, _values(item)) for item in DayStatItem.query(day_key(day, shard), condition)
        ]
    except PynamoDBException as error:
        raise unavailable("the daily stats") from error


def days_rows(days: Sequence[str], prefix: str = "") -> dict[str, dict[str, dict[str, int]]]:
    """Every dimension's counters (those starting with ``prefix``) on each local day: one
    Query per day and shard, :data:`READERS` at a time, summed over the shards."""
    keys = [(day, shard, prefix) for day in days for shard in range(SHARDS)]
    found: dict[str, dict[str, dict[str, int]]] = {day: {} for day in days}
    for (day, _, _), rows in zip(keys, _parallel(_query_shard, keys), strict=True):
        for dimension, values in rows:
            _add_into(found[day].setdefault(dimension, {}), values)
    return found


def day_rows(day: str) -> dict[str, dict[str, int]]:
    """Every dimension's counters on one local day, summed over the shards."""
    return days_rows([day])[day]


def day_counters(day: str, dimension: str) -> dict[str, int]:
    """One dimension's counters on one local day (one BatchGetItem over the shards)."""
    keys = [(day_key(day, shard), dimension) for shard in range(SHARDS)]
    total: dict[str, int] = {}
    try:
        for item in DayStatItem.batch_get(keys, consistent_read=True):
            _add_into(total, _values(item))
    except PynamoDBException as error:
        raise unavailable("the daily stats") from error
    return total


def group_days(chat_id: str, first: str, last: str) -> dict[str, dict[str, int]]:
    """A group's counters on each local day from ``first`` to ``last`` (one Query; days
    without a row left out)."""
    try:
        items = DayStatItem.query(
            group_key(chat_id), DayStatItem.sk.between(f"day#{first}", f"day#{last}")
        )
        return {
            item.sk.removeprefix("day#"): {k: v for k, v in _values(item).items() if v}
            for item in items
        }
    except PynamoDBException as error:
        raise unavailable("the daily stats") from error


def save_report(kind: str, period_start: str, body: dict[str, Any]) -> None:
    try:
        ReportItem(f"reports#{kind}", period_start, body=body).save()
    except PynamoDBException as error:
        raise unavailable("the reports table") from error


def get_report(kind: str, period_start: str) -> dict[str, Any] | None:
    item = get_or_none(ReportItem, f"reports#{kind}", period_start, consistent=True)
    return None if item is None else dict(item.body)


def list_reports(kind: str, limit: int) -> list[dict[str, Any]]:
    """Newest period first."""
    try:
        items = ReportItem.query(f"reports#{kind}", scan_index_forward=False, limit=limit)
        return [dict(item.body) for item in items]
    except PynamoDBException as error:
        raise unavailable("the reports table") from error
