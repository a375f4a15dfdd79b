"""One DynamoDB connection per endpoint, shared by every model of a context and its
transactions.

PynamoDB gives each model class its own connection (and botocore client), and a
transaction built through :func:`chalicelib.storage.once.transaction` builds another each
time; creating a botocore client costs tens of milliseconds. Models deriving from
:class:`PooledModel` share one connection per (region, endpoint), and :func:`transaction`
reuses it. botocore clients are thread-safe, so concurrent requests share it too.
"""

from __future__ import annotations

import threading
from typing import Any

from pynamodb.connection import Connection, TableConnection
from pynamodb.exceptions import TableError
from pynamodb.transactions import TransactWrite

from chalicelib.core.settings import get_settings
from chalicelib.storage.dynamo import TableModel

_lock = threading.Lock()
_connections: dict[tuple[str, str | None], Connection] = {}


def shared_connection(region: str, host: str | None) -> Connection:
    key = (region, host)
    with _lock:
        found = _connections.get(key)
        if found is None:
            meta: Any = TableModel.Meta
            found = Connection(
                region=region,
                host=host,
                connect_timeout_seconds=meta.connect_timeout_seconds,
                read_timeout_seconds=meta.read_timeout_seconds,
                max_retry_attempts=meta.max_retry_attempts,
                max_pool_connections=32,
            )
            _connections[key] = found
        return found


def transaction() -> TransactWrite:
    """A transaction on the shared connection of the configured endpoint."""
    settings = get_settings()
    return TransactWrite(
        connection=shared_connection(settings.aws_region, settings.dynamodb_endpoint)
    )


class PooledModel(TableModel):
    """A model whose table connection uses the shared connection of its endpoint."""

    class Meta(TableModel.Meta):
        abstract = True

    @classmethod
    def _get_connection(cls) -> TableConnection:
        table = super()._get_connection()
        meta: Any = cls.Meta
        shared = shared_connection(meta.region, meta.host)
        if table.connection is not shared:
            with _lock:
                try:
                    shared.get_meta_table(meta.table_name)
                except TableError:
                    shared.add_meta_table(table.connection.get_meta_table(meta.table_name))
            table.connection = shared
        return table
