"""The reports' items.

- daily-stats table: :class:`DayStatItem`, ``pk=day#<local day>``, ``sk=<dimension>``
  (see :mod:`chalicelib.reports.aggregates`); the contacts and groups contexts write their
  own counters on the same rows, this model reads them all;
- reports table: ``pk=order#<key>, sk=memo`` (:class:`OrderMemoItem`, what the aggregates
  counted of an order) and ``pk=reports#<kind>, sk=<period start>`` (:class:`ReportItem`,
  a generated report and its S3 keys).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core.errors import Conflict, DependencyUnavailable
from chalicelib.reports.aggregates import COUNTERS, Delta, OrderMemo, fold
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.once import MARKER_TTL, EffectMarker, apply_once
from chalicelib.storage.ops import transaction
from chalicelib.storage.schema import DAILY_STATS, REPORTS

#: Counters written by other contexts on the same rows (contacts: adds and deletions;
#: groups: joins and leaves).
FOREIGN_COUNTERS = (
    "adds",
    "deletions_by_customer",
    "deletions_by_staff",
    "deletions_by_transfer",
    "joins",
    "leaves",
)
ALL_COUNTERS = FOREIGN_COUNTERS + COUNTERS
MEMO = "memo"
MEMO_TTL = timedelta(days=400)


class DayStatItem(TableModel):
    """One day's counters of one dimension (every context's counters on that row)."""

    schema = DAILY_STATS

    class Meta(TableModel.Meta):
        abstract = False

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    adds = NumberAttribute(null=True)
    deletions_by_customer = NumberAttribute(null=True)
    deletions_by_staff = NumberAttribute(null=True)
    deletions_by_transfer = NumberAttribute(null=True)
    joins = NumberAttribute(null=True)
    leaves = NumberAttribute(null=True)
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

    class Meta(TableModel.Meta):
        abstract = False

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    counted = NumberAttribute(default=0)
    refunded_cents = NumberAttribute(default=0)
    expires_at = TTLAttribute(null=True)


class ReportItem(TableModel):
    schema = REPORTS

    class Meta(TableModel.Meta):
        abstract = False

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    body = JSONAttribute(default=dict)
    expires_at = TTLAttribute(null=True)  # reports are kept: never set


def _check_counters() -> None:
    missing = [n for n in ALL_COUNTERS if n not in DayStatItem.get_attributes()]
    if missing:  # a counter added to aggregates.COUNTERS without a column here
        raise RuntimeError(f"DayStatItem lacks {missing}")


_check_counters()


# --- writes --------------------------------------------------------------------------------


def stage_deltas(tx: TransactWrite, deltas: Iterable[Delta]) -> None:
    """Add the deltas' updates (one per day and dimension) to a transaction."""
    model = DayStatItem.bound()
    for (day, dimension), counters in fold(deltas).items():
        actions = [getattr(model, name).add(amount) for name, amount in counters.items()]
        tx.update(model(f"day#{day}", dimension), actions=actions)


def apply_deltas_once(effect_id: str, deltas: Sequence[Delta]) -> bool:
    """Move the counters once per ``effect_id`` (False when already moved)."""
    if not deltas:
        return False
    return apply_once(effect_id, lambda tx: stage_deltas(tx, deltas))


def order_memo(order_key: str) -> OrderMemo | None:
    model = OrderMemoItem.bound()
    try:
        item = model.get(f"order#{order_key}", MEMO, consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise DependencyUnavailable("the reports table did not answer") from error
    return OrderMemo(counted=bool(item.counted), refunded_cents=int(item.refunded_cents or 0))


class MemoChanged(Conflict):
    """Another change of the same order was counted meanwhile."""

    code = "order_memo_changed"


def apply_order_once(
    effect_id: str,
    order_key: str,
    read: OrderMemo | None,
    memo: OrderMemo,
    deltas: Sequence[Delta],
) -> bool:
    """Save the order's memo (only if it is still what was ``read``) and move the counters,
    with the once-only marker, in one transaction. False when already applied;
    :class:`MemoChanged` when a concurrent change of the order got there first."""
    model = OrderMemoItem.bound()
    item = model(
        f"order#{order_key}",
        MEMO,
        counted=int(memo.counted),
        refunded_cents=memo.refunded_cents,
        expires_at=MEMO_TTL,
    )
    condition = (
        model.pk.does_not_exist()
        if read is None
        else (model.counted == int(read.counted)) & (model.refunded_cents == read.refunded_cents)
    )
    marker = EffectMarker.bound()(f"once#{effect_id}", expires_at=MARKER_TTL)
    try:
        with transaction() as tx:
            tx.save(marker, condition=EffectMarker.pk.does_not_exist())
            tx.save(item, condition=condition)
            stage_deltas(tx, deltas)
    except TransactWriteError as error:
        reasons = [r.code if r is not None else None for r in error.cancellation_reasons or []]
        if reasons[:1] == ["ConditionalCheckFailed"]:  # the marker: PynamoDB sends puts first
            return False
        if "ConditionalCheckFailed" in reasons:  # the only other conditional item
            raise MemoChanged("the order changed meanwhile") from error
        raise DependencyUnavailable("the order's counters were not written") from error
    return True


def write_rows(rows: dict[tuple[str, str], dict[str, int]]) -> None:
    """Store folded counters as they are (benchmarks and tests build aggregates this way)."""
    model = DayStatItem.bound()
    with model.batch_write() as batch:
        for (day, dimension), counters in rows.items():
            batch.save(model(f"day#{day}", dimension, **counters))  # type: ignore[arg-type]


# --- reads ---------------------------------------------------------------------------------


def day_rows(day: str) -> dict[str, dict[str, int]]:
    """Every dimension's counters on one local day (one Query)."""
    model = DayStatItem.bound()
    try:
        items = list(model.query(f"day#{day}"))
    except PynamoDBException as error:
        raise DependencyUnavailable("the daily stats did not answer") from error
    return {item.sk: _values(item) for item in items}


def _values(item: DayStatItem) -> dict[str, int]:
    found: dict[str, int] = {}
    for name in ALL_COUNTERS:
        value = getattr(item, name)
        if value is not None:
            found[name] = int(value)
    return found


def save_report(kind: str, period_start: str, body: dict[str, Any]) -> None:
    try:
        ReportItem.bound()(f"reports#{kind}", period_start, body=body).save()
    except PynamoDBException as error:
        raise DependencyUnavailable("the reports table did not accept the report") from error


def get_report(kind: str, period_start: str) -> dict[str, Any] | None:
    model = ReportItem.bound()
    try:
        return dict(model.get(f"reports#{kind}", period_start, consistent_read=True).body)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise DependencyUnavailable("the reports table did not answer") from error


def list_reports(kind: str, limit: int) -> list[dict[str, Any]]:
    """Newest period first."""
    model = ReportItem.bound()
    try:
        items = model.query(f"reports#{kind}", scan_index_forward=False, limit=limit)
        return [dict(item.body) for item in items]
    except PynamoDBException as error:
        raise DependencyUnavailable("the reports table did not answer") from error
