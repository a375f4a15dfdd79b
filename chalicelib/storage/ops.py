"""The DynamoDB moves every store makes, written once.

A store is the only module of a context that touches PynamoDB; it turns items into the
context's domain objects and uses these helpers for the moves that repeat from table to
table:

- :func:`get_or_none`: one item by key, ``None`` when absent;
- :func:`put_new`: a put that succeeds only if the key is free (``False`` when taken);
- :func:`save_if`: a put under any condition (``False`` when it does not hold);
- :func:`save_versioned`: an optimistic save on a ``version`` attribute; :class:`Conflict`
  when somebody else saved first;
- :func:`transact`: one transaction; :class:`Conflict` names the first operation whose
  condition failed (and every one, ``failed``);
- :func:`retry`: a bounded retry of a read-modify-write on :class:`Conflict`;
- :func:`get_together`: several items of one table (of different kinds) in one read;
- :func:`page`: one page of a partition of the table or of an index, and the cursor of the
  next (checked by :mod:`chalicelib.core.paging`);
- :func:`unavailable`: the one translation of any other store failure into the 503 the
  caller answers (a throttle, a timeout, a refused connection).

Models bind to their table on first connection (:class:`~chalicelib.storage.dynamo.TableModel`),
so callers use a model class as it is.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.core.settings import get_settings
from chalicelib.storage.dynamo import TableModel, condition_failed, shared_connection

M = TypeVar("M", bound=TableModel)
T = TypeVar("T")

CONDITION_FAILED = "ConditionalCheckFailed"


class Conflict(Exception):
    """A write's condition did not hold: the item was written by somebody else (or is not
    there). ``index`` is the position of the failed operation in a transaction, in the
    order DynamoDB received them (:func:`sent_order`), ``None`` for a single write."""

    def __init__(
        self, what: str = "", index: int | None = None, failed: tuple[int, ...] = ()
    ) -> None:
        super().__init__(what or "a condition did not hold")
        self.index = index
        #: Every operation of the transaction whose condition failed (``index`` first).
        self.failed = failed or (() if index is None else (index,))


def unavailable(what: str) -> DependencyUnavailable:
    """The error a store raises when DynamoDB did not answer: the caller says 503."""
    return DependencyUnavailable(f"{what} did not answer")


def get_or_none(
    model: type[M], hash_key: Any, range_key: Any = None, *, consistent: bool = False
) -> M | None:
    """The item under this key, or ``None``."""
    try:
        return model.get(hash_key, range_key, consistent_read=consistent)
    except DoesNotExist:
        return None
    except PynamoDBException as error:
        raise unavailable(model.schema.logical_name) from error


def save_if(item: TableModel, condition: Any) -> bool:
    """Put ``item`` if ``condition`` holds; False when it does not."""
    try:
        item.save(condition=condition)
    except PutError as error:
        if condition_failed(error):
            return False
        raise unavailable(item.schema.logical_name) from error
    return True


def put_new(item: TableModel) -> bool:
    """Put ``item`` only if no item has its key; False when the key is taken."""
    hash_name = item._hash_keyname
    if hash_name is None:  # pragma: no cover - every table has a partition key
        raise ValueError("a model without a hash key")
    return save_if(item, getattr(type(item), hash_name).does_not_exist())


def save_versioned(item: TableModel, version: str = "version") -> None:
    """Save ``item`` if nobody saved it since it was read (its ``version`` unchanged), and
    bump the version; :class:`Conflict` otherwise (read again, then :func:`retry`)."""
    attribute = getattr(type(item), version)
    read = getattr(item, version) or 0
    condition = attribute == read
    if not read:
        condition = attribute.does_not_exist() | condition
    setattr(item, version, read + 1)
    if not save_if(item, condition):
        setattr(item, version, read)
        raise Conflict(f"{item.schema.logical_name} changed since it was read")


def transaction() -> TransactWrite:
    """A PynamoDB transaction on the configured endpoint (DynamoDB Local, moto or AWS)."""
    settings = get_settings()
    return TransactWrite(
        connection=shared_connection(settings.aws_region, settings.dynamodb_endpoint)
    )


def transact(write: Callable[[TransactWrite], None], what: str = "the store") -> None:
    """Run ``write``'s operations in one transaction. :class:`Conflict` (with the failed
    operation's position) when a condition did not hold; 503 for anything else."""
    try:
        with transaction() as tx:
            write(tx)
    except TransactWriteError as error:
        reasons = [r.code if r is not None else None for r in error.cancellation_reasons or []]
        failed = tuple(n for n, code in enumerate(reasons) if code == CONDITION_FAILED)
        if failed:
            raise Conflict(what, failed[0], failed) from error
        raise unavailable(what) from error


def sent_order(tx: TransactWrite) -> list[Any]:
    """The operations of ``tx`` in the order DynamoDB receives them (PynamoDB sends
    condition checks, deletes, puts, then updates, whatever the order of the calls)."""
    return [
        *tx._condition_check_items,
        *tx._delete_items,
        *tx._put_items,
        *tx._update_items,
    ]


def retry(attempt: Callable[[], T], *, times: int = 5, pause_s: float = 0.02) -> T:
    """Run a read-modify-write again when it lost a race (:class:`Conflict`), at most
    ``times`` times with a short jittered pause; the last conflict becomes a 503."""
    for n in range(times):
        try:
            return attempt()
        except Conflict:
            if n == times - 1:
                break
            time.sleep(pause_s * (n + 1) * random.uniform(0.5, 1.5))
    raise DependencyUnavailable("too many concurrent changes; try again")


def get_together(
    wanted: Sequence[tuple[type[TableModel], Any, Any]],
) -> list[TableModel | None]:
    """Several items of one table, each read by its own model class, in one consistent
    BatchGetItem: ``(model, hash key, range key)`` each, the item or ``None`` in order."""
    if not wanted:
        return []
    first = wanted[0][0]
    hash_name, range_name = first._hash_keyname, first._range_keyname
    if hash_name is None:  # pragma: no cover - every table has a partition key
        raise ValueError("a model without a hash key")

    def key(model: type[TableModel], hash_key: Any, range_key: Any) -> dict[str, Any]:
        names = [(hash_name, hash_key)] + ([(range_name, range_key)] if range_name else [])
        return {
            name: {getattr(model, name).attr_type: getattr(model, name).serialize(value)}
            for name, value in names
        }

    keys = [key(model, h, r) for model, h, r in wanted]
    connection = first._get_connection()
    try:
        answer = connection.batch_get_item(keys, consistent_read=True)  # type: ignore[arg-type]
    except PynamoDBException as error:
        raise unavailable(first.schema.logical_name) from error

    def mark(raw: dict[str, Any]) -> tuple[tuple[str, str], ...]:
        return tuple(
            sorted(
                (name, str(next(iter(value.values()))))
                for name, value in raw.items()
                if name in (hash_name, range_name)
            )
        )

    found = {mark(raw): raw for raw in answer.get("Responses", {}).get(connection.table_name, [])}
    unprocessed = bool(answer.get("UnprocessedKeys"))
    items: list[TableModel | None] = []
    for (model, h, r), asked in zip(wanted, keys, strict=True):
        raw = found.get(mark(asked))
        if raw is not None:
            items.append(model.from_raw_data(raw))
        elif unprocessed:  # DynamoDB left it for later: read it alone
            items.append(get_or_none(model, h, r, consistent=True))
        else:
            items.append(None)
    return items


def page(
    model: type[TableModel],
    value: str,
    limit: int,
    cursor: str | None = None,
    *,
    index: str | None = None,
    condition: Any = None,
    newest_first: bool = False,
) -> tuple[list[Any], str | None]:
    """One page of the items under partition key ``value`` of the table (or of its index
    ``index``, an index of ``model.schema``), in sort key order (descending with
    ``newest_first``), and the cursor of the next page; ``condition`` on the sort key.
    A cursor this query did not give is a 400 ``invalid_cursor``."""
    from chalicelib.core.paging import PageRequest, query_page

    table = model.schema
    partition = table.partition
    source: Any = model
    if index is not None:
        partition = next(found.partition for found in table.indexes if found.name == index)
        source = getattr(model, index)
    return query_page(
        lambda start: source.query(
            value,
            condition,
            scan_index_forward=False if newest_first else None,
            limit=limit,
            last_evaluated_key=start,
        ),
        PageRequest(limit, cursor),
        table.page_key(index),
        {partition.name: value},
    )
