"""Counting what a piece of work costs in DynamoDB: requests, capacity units, keys written.

:func:`counting` hooks botocore's event system on every DynamoDB client the process has or
creates while it is open: each request is recorded with its operation, table(s), the
partition keys it writes and the capacity DynamoDB says it consumed (the hook asks for
``ReturnConsumedCapacity=TOTAL``). Nothing is estimated; what is not sent is not counted.

    with counting() as tally:
        handle_one_event()
    tally.requests, tally.read_units, tally.write_units, tally.writes_per_key()
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.session

CAPACITY_OPERATIONS = {
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "TransactGetItems",
}


@dataclass(frozen=True)
class Request:
    operation: str
    tables: tuple[str, ...]
    written_keys: tuple[tuple[str, str], ...]  # (table, partition key value)
    #: (``<table>/<index>``, partition key value) of every index entry the writes set
    index_keys: tuple[tuple[str, str], ...]
    read_units: float
    write_units: float
    at: float


@dataclass
class Tally:
    calls: list[Request] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def requests(self) -> int:
        return len(self.calls)

    @property
    def read_units(self) -> float:
        return sum(c.read_units for c in self.calls)

    @property
    def write_units(self) -> float:
        return sum(c.write_units for c in self.calls)

    def by_operation(self) -> Counter[str]:
        return Counter(c.operation for c in self.calls)

    def by_table(self) -> Counter[str]:
        return Counter(t for c in self.calls for t in c.tables)

    def writes_per_key(self) -> Counter[tuple[str, str]]:
        """How many writes each (table, partition key) took."""
        return Counter(k for c in self.calls for k in c.written_keys)

    def wcu_per_key(self) -> Counter[tuple[str, str]]:
        """Write units each partition key took, tables' and indexes' alike, reckoned at 1 KB
        an item: 1 a write, 2 a transactional one (DynamoDB's price of either)."""
        units: Counter[tuple[str, str]] = Counter()
        for c in self.calls:
            each = 2 if c.operation == "TransactWriteItems" else 1
            for key in (*c.written_keys, *c.index_keys):
                units[key] += each
        return units

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()

    def _add(self, request: Request) -> None:
        with self._lock:
            self.calls.append(request)


_active: list[Tally] = []
_hooked: set[int] = set()
_patch_lock = threading.Lock()
_original_create_client = botocore.session.Session.create_client


def _partition_values(table: str, item: dict[str, Any]) -> list[tuple[str, str]]:
    """Every attribute value of a key or item named ``pk`` (our partition key)."""
    value = item.get("pk")
    if isinstance(value, dict):
        return [(table, str(next(iter(value.values()))))]
    return []


def _indexes(table: str) -> list[tuple[str, str]]:
    """(index name, its partition key attribute) of the table named ``table``."""
    from chalicelib.core.settings import get_settings
    from chalicelib.storage.schema import ALL_TABLES

    settings = get_settings()
    for schema in ALL_TABLES:
        if settings.table_name(schema.logical_name) == table:
            return [(index.name, index.partition.name) for index in schema.indexes]
    return []


def _set_values(body: dict[str, Any]) -> dict[str, Any]:
    """The attributes an UpdateItem's ``SET`` clauses give a value, by name."""
    import re

    names = body.get("ExpressionAttributeNames") or {}
    values = body.get("ExpressionAttributeValues") or {}
    found = {}
    for name, value in re.findall(r"(#\w+|\b\w+)\s*=\s*(:\w+)", body.get("UpdateExpression", "")):
        if value in values:
            found[names.get(name, name)] = values[value]
    return found


def _index_keys(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """The index partitions the request writes an entry to (items put, attributes set)."""
    bodies: list[tuple[str, dict[str, Any]]] = []
    if operation in ("PutItem", "UpdateItem"):
        bodies.append((params.get("TableName", ""), params))
    elif operation == "TransactWriteItems":
        for entry in params.get("TransactItems", []):
            for kind in ("Put", "Update"):
                if kind in entry:
                    bodies.append((entry[kind].get("TableName", ""), entry[kind]))
    elif operation == "BatchWriteItem":
        for table, writes in params.get("RequestItems", {}).items():
            bodies += [(table, w["PutRequest"]) for w in writes if "PutRequest" in w]
    keys = []
    for table, body in bodies:
        attributes = body.get("Item") or _set_values(body)
        for index, attribute in _indexes(table):
            value = attributes.get(attribute)
            if isinstance(value, dict):
                keys.append((f"{table}/{index}", str(next(iter(value.values())))))
    return keys


def _written_keys(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        table = params.get("TableName", "")
        return _partition_values(table, params.get("Item") or params.get("Key") or {})
    if operation == "TransactWriteItems":
        keys = []
        for entry in params.get("TransactItems", []):
            for kind in ("Put", "Update", "Delete"):
                if kind in entry:
                    body = entry[kind]
                    keys += _partition_values(
                        body.get("TableName", ""), body.get("Item") or body.get("Key") or {}
                    )
        return keys
    if operation == "BatchWriteItem":
        keys = []
        for table, writes in params.get("RequestItems", {}).items():
            for write in writes:
                body = write.get("PutRequest", {}).get("Item") or write.get(
                    "DeleteRequest", {}
                ).get("Key", {})
                keys += _partition_values(table, body)
        return keys
    return []


def _tables(operation: str, params: dict[str, Any]) -> tuple[str, ...]:
    if "TableName" in params:
        return (params["TableName"],)
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return tuple(params.get("RequestItems", {}))
    if operation in ("TransactWriteItems", "TransactGetItems"):
        names = []
        for entry in params.get("TransactItems", []):
            for body in entry.values():
                if isinstance(body, dict) and body.get("TableName"):
                    names.append(body["TableName"])
        return tuple(dict.fromkeys(names))
    return ()


def _ask_for_capacity(params: dict[str, Any], model: Any, **_: Any) -> None:
    if _active and model.name in CAPACITY_OPERATIONS:
        params.setdefault("ReturnConsumedCapacity", "TOTAL")


def _remember(model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    if _active:
        context["counted_params"] = params.get("body") or {}


def _record(model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    if not _active:
        return
    raw = context.get("counted_params") or {}
    params = raw if isinstance(raw, dict) else _decode(raw)
    consumed = parsed.get("ConsumedCapacity") or []
    if isinstance(consumed, dict):
        consumed = [consumed]
    read = sum(
        float(c.get("ReadCapacityUnits", c.get("CapacityUnits", 0)) or 0)
        for c in consumed
        if model.name in _READS
    )
    write = sum(
        float(c.get("WriteCapacityUnits", c.get("CapacityUnits", 0)) or 0)
        for c in consumed
        if model.name not in _READS
    )
    request = Request(
        operation=model.name,
        tables=_tables(model.name, params),
        written_keys=tuple(_written_keys(model.name, params)),
        index_keys=tuple(_index_keys(model.name, params)),
        read_units=read,
        write_units=write,
        at=time.monotonic(),
    )
    for tally in list(_active):
        tally._add(request)


_READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}


def _decode(body: Any) -> dict[str, Any]:
    import json

    try:
        text = body.decode() if isinstance(body, bytes) else str(body)
        value = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def hook(client: Any) -> None:
    """Count this client's DynamoDB requests while a :func:`counting` block is open."""
    if id(client) in _hooked or client.meta.service_model.service_name != "dynamodb":
        return
    events = client.meta.events
    events.register("before-parameter-build.dynamodb", _ask_for_capacity)
    events.register("before-call.dynamodb", _remember)
    events.register("after-call.dynamodb", _record)
    _hooked.add(id(client))


def _create_client(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
    client = _original_create_client(self, service_name, *args, **kwargs)
    if service_name == "dynamodb":
        hook(client)
    return client


def _hook_existing() -> None:
    from chalicelib.storage import dynamo

    for connection in list(dynamo._connections.values()):
        hook(connection.client)


@contextmanager
def counting() -> Iterator[Tally]:
    """Record every DynamoDB request made (by any thread) until the block ends."""
    tally = Tally()
    with _patch_lock:
        botocore.session.Session.create_client = _create_client  # type: ignore[method-assign]
        _active.append(tally)
    _hook_existing()
    try:
        yield tally
    finally:
        with _patch_lock:
            _active.remove(tally)
            if not _active:
                botocore.session.Session.create_client = _original_create_client  # type: ignore[method-assign]
