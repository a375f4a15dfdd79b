"""The screening table's items (see ``SCREENING`` in :mod:`chalicelib.storage.schema`).

- ``pk=contact#<id>, sk=rfm``: :class:`RfmItem`, the inputs kept on write and the result
  of the last scoring;
- ``pk=contact#<id>, sk=hist#<local day>``: :class:`HistoryItem`, one per day the segment
  or "high value" changed;
- ``pk=order#<key>, sk=memo``: :class:`OrderMemoItem`, what screening counted of an order;
- ``pk=changed#<local day>`` / ``pk=due#<local day>``, ``sk=<contact>``: :class:`WorkItem`,
  the daily job's work lists (a day's partition is read with one paginated Query);
- ``pk=run#<local day>, sk=run``: :class:`RunItem`, how far that day's job got;
- ``pk=config, sk=config``: :class:`ConfigItem`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.update import Action

from chalicelib.core.errors import Conflict, DependencyUnavailable
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.once import MARKER_TTL, EffectMarker
from chalicelib.storage.ops import transaction
from chalicelib.storage.schema import SCREENING

RFM = "rfm"
#: What an order writes on the contact's item (besides its id).
INPUT_FIELDS = (
    "first_order_at",
    "last_order_at",
    "orders",
    "spend_cents",
    "spend_days",
    "due_day",
    "version",
)
HIST = "hist#"
MEMO = "memo"
CONFIG = "config"
WORK_TTL = timedelta(days=400)
MEMO_TTL = timedelta(days=400)


def contact_pk(contact_id: str) -> str:
    return f"contact#{contact_id}"


def changed_pk(day: str) -> str:
    return f"changed#{day}"


def due_pk(day: str) -> str:
    return f"due#{day}"


class ScreeningItem(TableModel):
    schema = SCREENING

    class Meta(TableModel.Meta):
        abstract = True

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    expires_at = TTLAttribute(null=True)  # set on work lists and memos only


class RfmItem(ScreeningItem):
    class Meta(TableModel.Meta):
        abstract = False

    contact_id = UnicodeAttribute(null=True)
    first_order_at = NumberAttribute(null=True)
    last_order_at = NumberAttribute(null=True)
    orders = NumberAttribute(null=True)
    spend_cents = NumberAttribute(null=True)
    spend_days = JSONAttribute(null=True)
    deliveries = NumberAttribute(null=True)
    referrals = NumberAttribute(null=True)
    task_points = NumberAttribute(null=True)
    score = NumberAttribute(null=True)
    segment = UnicodeAttribute(null=True)
    high_value = BooleanAttribute(null=True)
    scored_day = UnicodeAttribute(null=True)
    due_day = UnicodeAttribute(null=True)
    detail = JSONAttribute(null=True)
    version = NumberAttribute(null=True)


class HistoryItem(ScreeningItem):
    class Meta(TableModel.Meta):
        abstract = False

    body = JSONAttribute(default=dict)


class OrderMemoItem(ScreeningItem):
    class Meta(TableModel.Meta):
        abstract = False

    counted = NumberAttribute(default=0)
    refunded_cents = NumberAttribute(default=0)


class WorkItem(ScreeningItem):
    class Meta(TableModel.Meta):
        abstract = False


class RunItem(ScreeningItem):
    """``pk=run#<local day>, sk=run``: the daily job's cursor, counts and pending digests."""

    class Meta(TableModel.Meta):
        abstract = False

    body = JSONAttribute(default=dict)


class ConfigItem(ScreeningItem):
    class Meta(TableModel.Meta):
        abstract = False

    body = JSONAttribute(default=dict)


def _unavailable(error: Exception) -> DependencyUnavailable:
    return DependencyUnavailable("the screening table did not answer")


def rfm_item(contact_id: str) -> RfmItem | None:
    model = RfmItem.bound()
    try:
        return model.get(contact_pk(contact_id), RFM, consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable(error) from error


def new_rfm_item(contact_id: str) -> RfmItem:
    return RfmItem.bound()(contact_pk(contact_id), RFM, contact_id=contact_id, version=0)


def rfm_items(contact_ids: Sequence[str]) -> dict[str, RfmItem]:
    """The RFM items of up to any number of contacts (BatchGetItem, 100 at a time)."""
    model = RfmItem.bound()
    keys = [(contact_pk(c), RFM) for c in dict.fromkeys(contact_ids)]
    try:
        return {str(item.contact_id): item for item in model.batch_get(keys)}
    except PynamoDBException as error:
        raise _unavailable(error) from error


def order_memo(order_key: str) -> OrderMemoItem | None:
    model = OrderMemoItem.bound()
    try:
        return model.get(f"order#{order_key}", MEMO, consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable(error) from error


def new_order_memo(order_key: str, counted: bool, refunded_cents: int) -> OrderMemoItem:
    return OrderMemoItem.bound()(
        f"order#{order_key}",
        MEMO,
        counted=int(counted),
        refunded_cents=refunded_cents,
        expires_at=MEMO_TTL,
    )


def work_item(pk: str, contact_id: str) -> WorkItem:
    return WorkItem.bound()(pk, contact_id, expires_at=WORK_TTL)


def work_list(pk: str, after: str | None = None) -> Iterator[str]:
    """The contacts of one day's work list, in id order, after ``after`` (a paginated Query
    of one partition)."""
    model = WorkItem.bound()
    condition = None if after is None else model.sk > after
    try:
        for item in model.query(pk, condition, attributes_to_get=["sk"]):
            yield item.sk
    except PynamoDBException as error:
        raise _unavailable(error) from error


def history(contact_id: str, limit: int) -> list[dict[str, Any]]:
    model = HistoryItem.bound()
    try:
        items = model.query(
            contact_pk(contact_id),
            model.sk.startswith(HIST),
            scan_index_forward=False,
            limit=limit,
        )
        return [dict(item.body) for item in items]
    except PynamoDBException as error:
        raise _unavailable(error) from error


def history_item(contact_id: str, day: str, body: dict[str, Any]) -> HistoryItem:
    return HistoryItem.bound()(contact_pk(contact_id), f"{HIST}{day}", body=body)


def run_body(day: str) -> dict[str, Any] | None:
    """How far the daily job of ``day`` got (``pk=run#<day>``)."""
    model = RunItem.bound()
    try:
        return dict(model.get(f"run#{day}", "run", consistent_read=True).body)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable(error) from error


def save_run(day: str, body: dict[str, Any]) -> None:
    try:
        RunItem.bound()(f"run#{day}", "run", body=body, expires_at=WORK_TTL).save()
    except PynamoDBException as error:
        raise _unavailable(error) from error


def config_body() -> dict[str, Any] | None:
    model = ConfigItem.bound()
    try:
        return dict(model.get(CONFIG, CONFIG).body)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable(error) from error


def save_config(body: dict[str, Any]) -> None:
    try:
        ConfigItem.bound()(CONFIG, CONFIG, body=body).save()
    except PynamoDBException as error:
        raise _unavailable(error) from error


class RfmChanged(Conflict):
    """The contact's inputs changed between read and write (a concurrent signal)."""

    code = "screening_inputs_changed"


def save_order_once(
    effect_id: str,
    item: RfmItem,
    read_version: int,
    memo: OrderMemoItem,
    work: Sequence[WorkItem],
) -> bool:
    """Write the contact's inputs (only if still at ``read_version``), the order's memo and
    the work-list entries with the once-only marker, in one transaction. False when the
    effect was already applied; :class:`RfmChanged` when another signal won the race."""
    marker = EffectMarker.bound()(f"once#{effect_id}", expires_at=MARKER_TTL)
    model = RfmItem.bound()
    condition = (
        model.version.does_not_exist() if read_version == 0 else (model.version == read_version)
    )
    # only the inputs: the daily job's score, segment and history fields are left alone
    actions: list[Action] = [model.contact_id.set(item.contact_id)]
    for name in INPUT_FIELDS:
        value = getattr(item, name)
        attribute = getattr(model, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    try:
        with transaction() as tx:
            tx.save(marker, condition=EffectMarker.pk.does_not_exist())
            tx.update(model(item.pk, item.sk), actions=actions, condition=condition)
            tx.save(memo)
            for entry in work:
                tx.save(entry)
    except TransactWriteError as error:
        reasons = [r.code if r is not None else None for r in error.cancellation_reasons or []]
        if reasons[:1] == ["ConditionalCheckFailed"]:  # the marker: PynamoDB sends puts first
            return False
        if "ConditionalCheckFailed" in reasons:  # the only other conditional item
            raise RfmChanged("the contact's inputs changed meanwhile") from error
        raise DependencyUnavailable("the screening inputs were not written") from error
    return True
