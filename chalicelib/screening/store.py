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
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import PynamoDBException

from chalicelib.core.errors import Conflict as DomainConflict
from chalicelib.core.errors import DependencyUnavailable
from chalicelib.screening.models import Inputs, Screened
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.keys import Prefix
from chalicelib.storage.once import MARKER_TTL, EffectMarker, apply_once
from chalicelib.storage.ops import Conflict
from chalicelib.storage.schema import SCREENING
from chalicelib.storage.staged import Op, Writes, write

if TYPE_CHECKING:
    from pynamodb.expressions.update import Action
    from pynamodb.transactions import TransactWrite

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
#: Work-list entries a Query page holds (a page is all the daily job keeps of a list).
WORK_PAGE = 1_000


contact_pk = Prefix("contact#")
changed_pk = Prefix("changed#")
due_pk = Prefix("due#")


class ScreeningItem(TableModel):
    schema = SCREENING

    class Meta(TableModel.Meta):
        abstract = True

    expires_at = TTLAttribute(null=True)  # set on work lists and memos only


class RfmItem(ScreeningItem):
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
    body = JSONAttribute(default=dict)


class OrderMemoItem(ScreeningItem):
    counted = NumberAttribute(default=0)
    refunded_cents = NumberAttribute(default=0)


class WorkItem(ScreeningItem):
    """``pk=changed#<local day>`` / ``pk=due#<local day>``, ``sk=<contact>``: keys only."""


class RunItem(ScreeningItem):
    """``pk=run#<local day>, sk=run``: the daily job's cursor, counts and pending digests."""

    body = JSONAttribute(default=dict)


class ConfigItem(ScreeningItem):
    body = JSONAttribute(default=dict)


def _unavailable(error: Exception) -> DependencyUnavailable:
    return DependencyUnavailable("the screening table did not answer")


def rfm_item(contact_id: str) -> RfmItem | None:
    model = RfmItem
    try:
        return model.get(contact_pk(contact_id), RFM, consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable(error) from error


def new_rfm_item(contact_id: str) -> RfmItem:
    return RfmItem(contact_pk(contact_id), RFM, contact_id=contact_id, version=0)


def rfm_items(contact_ids: Sequence[str]) -> dict[str, RfmItem]:
    """The RFM items of up to any number of contacts (BatchGetItem, 100 at a time)."""
    model = RfmItem
    keys = [(contact_pk(c), RFM) for c in dict.fromkeys(contact_ids)]
    try:
        return {str(item.contact_id): item for item in model.batch_get(keys)}
    except PynamoDBException as error:
        raise _unavailable(error) from error


def order_memo(order_key: str) -> OrderMemoItem | None:
    model = OrderMemoItem
    try:
        return model.get(f"order#{order_key}", MEMO, consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable(error) from error


def memo_and_rfm(order_key: str, contact_id: str) -> tuple[OrderMemoItem | None, RfmItem | None]:
    """:func:`order_memo` and :func:`rfm_item` in one consistent read."""
    from chalicelib.storage.ops import get_together

    memo, rfm = get_together(
        [(OrderMemoItem, f"order#{order_key}", MEMO), (RfmItem, contact_pk(contact_id), RFM)]
    )
    return (
        memo if isinstance(memo, OrderMemoItem) else None,
        rfm if isinstance(rfm, RfmItem) else None,
    )


def new_order_memo(order_key: str, counted: bool, refunded_cents: int) -> OrderMemoItem:
    return OrderMemoItem(
        f"order#{order_key}",
        MEMO,
        counted=int(counted),
        refunded_cents=refunded_cents,
        expires_at=MEMO_TTL,
    )


def work_item(pk: str, contact_id: str) -> WorkItem:
    return WorkItem(pk, contact_id, expires_at=WORK_TTL)


def work_list(pk: str, after: str | None = None) -> Iterator[str]:
    """The contacts of one day's work list, in id order, after ``after`` (a Query of one
    partition, :data:`WORK_PAGE` entries a page: memory stays flat however long it is)."""
    condition = None if after is None else WorkItem.sk > after
    try:
        for item in WorkItem.query(pk, condition, attributes_to_get=["sk"], page_size=WORK_PAGE):
            yield item.sk
    except PynamoDBException as error:
        raise _unavailable(error) from error


def history(contact_id: str, limit: int) -> list[dict[str, Any]]:
    model = HistoryItem
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
    return HistoryItem(contact_pk(contact_id), f"{HIST}{day}", body=body)


def run_body(day: str) -> dict[str, Any] | None:
    """How far the daily job of ``day`` got (``pk=run#<day>``)."""
    model = RunItem
    try:
        return dict(model.get(f"run#{day}", "run", consistent_read=True).body)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable(error) from error


def save_run(day: str, body: dict[str, Any]) -> None:
    try:
        RunItem(f"run#{day}", "run", body=body, expires_at=WORK_TTL).save()
    except PynamoDBException as error:
        raise _unavailable(error) from error


def config_body() -> dict[str, Any] | None:
    model = ConfigItem
    try:
        return dict(model.get(CONFIG, CONFIG).body)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable(error) from error


def save_config(body: dict[str, Any]) -> None:
    try:
        ConfigItem(CONFIG, CONFIG, body=body).save()
    except PynamoDBException as error:
        raise _unavailable(error) from error


class RfmChanged(DomainConflict):
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
    the work-list entries with the once-only marker, together: kept for the pass's commit
    inside a pass (refused: the subscriber runs again), else in one transaction now. False
    when the effect was already applied; :class:`RfmChanged` when another signal won the
    race (written now)."""
    marker = EffectMarker(f"once#{effect_id}", expires_at=MARKER_TTL)
    model = RfmItem
    condition = (
        model.version.does_not_exist() if read_version == 0 else (model.version == read_version)
    )
    # only the inputs: the daily job's score, segment and history fields are left alone
    actions: list[Action] = [model.contact_id.set(item.contact_id)]
    for name in INPUT_FIELDS:
        value = getattr(item, name)
        attribute = getattr(model, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))

    ops = [
        Op(marker, EffectMarker.pk.does_not_exist()),
        Op(model(item.pk, item.sk), condition, actions=actions),
        Op(memo),
        *(Op(entry) for entry in work),
    ]
    try:
        outcome = write(Writes("the screening inputs", ops, guard=0))
    except Conflict as conflict:
        raise RfmChanged("the contact's inputs changed meanwhile") from conflict
    return outcome != "already"


def add_activity_once(
    effect_id: str, contact_id: str, counter: str, amount: int, today: str
) -> bool:
    """Move one community input (deliveries, referrals, task points) of the contact and
    mark it changed today, once per ``effect_id`` (False when already applied)."""

    def effect(tx: TransactWrite) -> None:
        tx.update(
            RfmItem(contact_pk(contact_id), RFM),
            actions=[getattr(RfmItem, counter).add(amount), RfmItem.contact_id.set(contact_id)],
        )
        tx.save(work_item(changed_pk(today), contact_id))

    return apply_once(effect_id, effect)


# --- the daily job's reads and writes ------------------------------------------------------


@dataclass(frozen=True)
class Screening:
    """A contact's inputs as kept on write, and the result of its last scoring."""

    contact_id: str
    inputs: Inputs
    score: float | None = None
    segment: str | None = None
    high_value: bool = False
    scored_day: str | None = None
    due_day: str | None = None


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def inputs_of(item: RfmItem | None) -> Inputs:
    if item is None:
        return Inputs()
    return Inputs(
        first_order_at=_int(item.first_order_at),
        last_order_at=_int(item.last_order_at),
        orders=int(item.orders or 0),
        spend_cents=int(item.spend_cents or 0),
        spend_days={k: int(v) for k, v in dict(item.spend_days or {}).items()},
        deliveries=int(item.deliveries or 0),
        referrals=int(item.referrals or 0),
        task_points=int(item.task_points or 0),
    )


def screening_of(item: RfmItem) -> Screening:
    return Screening(
        contact_id=str(item.contact_id or item.pk.removeprefix("contact#")),
        inputs=inputs_of(item),
        score=None if item.score is None else float(item.score),
        segment=item.segment,
        high_value=bool(item.high_value),
        scored_day=item.scored_day,
        due_day=item.due_day,
    )


def screening(contact_id: str) -> Screening | None:
    item = rfm_item(contact_id)
    return None if item is None else screening_of(item)


def screenings(contact_ids: Sequence[str]) -> dict[str, Screening]:
    """What screening keeps of these contacts (BatchGetItem, 100 keys a call)."""
    return {cid: screening_of(item) for cid, item in rfm_items(contact_ids).items()}


def save_entries(due: Sequence[tuple[str, str]], history: Sequence[tuple[str, str, Any]]) -> None:
    """Work-list entries ``(due day, contact)`` and history entries ``(contact, day, body)``
    of a batch, 25 a request (BatchWriteItem); each is keyed, so writing one again is
    harmless."""
    if not due and not history:
        return
    try:
        with WorkItem.batch_write() as batch:
            for day, contact_id in due:
                batch.save(work_item(due_pk(day), contact_id))
        with HistoryItem.batch_write() as batch:
            for contact_id, day, body in history:
                batch.save(history_item(contact_id, day, body))
    except PynamoDBException as error:
        raise DependencyUnavailable("the screening table did not accept the result") from error


def save_result(contact_id: str, result: Screened, day: str) -> None:
    """Store a contact's result of ``day`` (its entries first: :func:`save_entries`)."""
    actions: list[Action] = [
        RfmItem.score.set(result.score),
        RfmItem.segment.set(result.segment),
        RfmItem.high_value.set(result.high_value),
        RfmItem.scored_day.set(day),
        RfmItem.detail.set(result.model_dump(mode="json")),
        RfmItem.due_day.set(result.due_day) if result.due_day else RfmItem.due_day.remove(),
    ]
    try:
        RfmItem(contact_pk(contact_id), RFM).update(actions=actions)
    except PynamoDBException as error:
        raise DependencyUnavailable("the screening table did not accept the result") from error
