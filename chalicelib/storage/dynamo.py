"""PynamoDB models bound to the tables of :mod:`chalicelib.storage.schema`.

A model names its table by schema, not by physical name or host: ``bind`` fills in the
physical table name, region and (locally) the endpoint from the settings on first use,
so nothing is connected at import and tests can rebind to another endpoint.

A model also takes its key attributes from its table: a class that sets ``schema`` gets
the table's partition and sort key (``pk``, ``sk``) and its TTL attribute (nullable) from
:mod:`chalicelib.storage.schema`, unless it declares them itself, so a store declares only
its items' own attributes (and their index keys, which are set per item type). Every model
class gets its own ``Meta``, concrete unless the class says ``abstract = True`` in one (a
table's base, which its item types subclass).

PynamoDB would give each model class its own connection (and botocore client, tens of
milliseconds to create); here every model, and every transaction, shares one connection
per endpoint and timeouts. botocore clients are thread-safe, so concurrent requests share
it too. That connection's client comes from the process's one botocore session
(:func:`chalicelib.core.aws.session`, under its lock), not from a session of PynamoDB's
own: the DynamoDB model, the endpoint rules and the credentials are read once for it and
for the other clients (a second session read them all again, a fifth of a cold start).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pynamodb.attributes import Attribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.connection import Connection, TableConnection
from pynamodb.exceptions import TableError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core import aws
from chalicelib.core.settings import Settings, get_settings

if TYPE_CHECKING:
    from chalicelib.storage.schema import Key, Table

M = TypeVar("M", bound="TableModel")

_lock = threading.Lock()
_connections: dict[tuple[Any, ...], Connection] = {}


class _Connection(Connection):
    """PynamoDB's connection, its client made from the process's botocore session."""

    @property
    def session(self) -> Any:
        return aws.session()

    @property
    def client(self) -> Any:
        with aws.creating():
            return Connection.client.fget(self)  # type: ignore[attr-defined]


def shared_connection(
    region: str, host: str | None, connect_s: float = 2, read_s: float = 4, retries: int = 3
) -> Connection:
    """The one connection for this endpoint and these timeouts."""
    key = (region, host, connect_s, read_s, retries)
    with _lock:
        found = _connections.get(key)
        if found is None:
            found = _Connection(
                region=region,
                host=host,
                connect_timeout_seconds=connect_s,
                read_timeout_seconds=read_s,
                max_retry_attempts=retries,
                max_pool_connections=32,
            )
            _connections[key] = found
        return found


class TableModel(Model):
    """Base of every model. Subclasses set ``schema`` to their :class:`Table`."""

    schema: ClassVar[Table]
    _bound_to: ClassVar[tuple[str, str | None, str] | None] = None

    class Meta:
        abstract = True
        table_name = "unbound"
        # Callers (WeCom callbacks, redirects) answer within seconds: fail fast.
        connect_timeout_seconds = 2
        read_timeout_seconds = 4
        max_retry_attempts = 3

    if TYPE_CHECKING:  # made from ``schema`` by __init_subclass__; every table names them so
        pk = UnicodeAttribute(hash_key=True)
        sk = UnicodeAttribute(range_key=True)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "Meta" not in cls.__dict__:
            setattr(cls, "Meta", type("Meta", (TableModel.Meta,), {"abstract": False}))  # noqa: B010
        if "schema" in cls.__dict__:
            for name, attribute in table_attributes(cls.schema).items():
                if not hasattr(cls, name):
                    attribute.__set_name__(cls, name)
                    setattr(cls, name, attribute)

    @classmethod
    def bound(cls: type[M], settings: Settings | None = None) -> type[M]:
        """The model class, pointed at the table the settings name. Cheap when unchanged."""
        settings = settings or get_settings()
        target = (
            settings.table_name(cls.schema.logical_name),
            settings.dynamodb_endpoint,
            settings.aws_region,
        )
        if cls._bound_to != target:
            meta: Any = cls.Meta
            meta.table_name, meta.host, meta.region = target
            cls._connection = None
            cls._bound_to = target
        return cls

    @classmethod
    def _get_connection(cls) -> TableConnection:
        cls.bound()  # bound where the connection is made: callers use the class as it is
        table = super()._get_connection()
        meta: Any = cls.Meta
        shared = shared_connection(
            meta.region,
            meta.host,
            meta.connect_timeout_seconds,
            meta.read_timeout_seconds,
            meta.max_retry_attempts,
        )
        if table.connection is not shared:
            with _lock:
                try:
                    shared.get_meta_table(meta.table_name)
                except TableError:
                    shared.add_meta_table(table.connection.get_meta_table(meta.table_name))
            table.connection = shared
        return table


def condition_failed(error: Exception) -> bool:
    """Whether a PynamoDB write error is DynamoDB refusing the write's condition.

    PynamoDB's ``cause_response_code`` assumes the cause has a response: a read timeout or
    a refused connection (botocore errors whose ``response`` is ``None``) made it raise
    ``AttributeError`` instead, a 500 where the store was only slow. Those are not a
    failed condition: the caller answers 503 and the write is retried.
    """
    response = getattr(getattr(error, "cause", None), "response", None)
    if not isinstance(response, dict):
        return False
    code = (response.get("Error") or {}).get("Code")
    return code in ("ConditionalCheckFailedException", "ConditionalCheckFailed")


def _attribute(key: Key, *, hash_key: bool = False, range_key: bool = False) -> Attribute[Any]:
    kind = NumberAttribute if key.type == "N" else UnicodeAttribute
    return kind(hash_key=hash_key, range_key=range_key)


def table_attributes(table: Table) -> dict[str, Attribute[Any]]:
    """The attributes every item of ``table`` has, from its one definition: the partition
    key, the sort key and the TTL attribute (``null=True``: not every item expires)."""
    attributes = {table.partition.name: _attribute(table.partition, hash_key=True)}
    if table.sort is not None:
        attributes[table.sort.name] = _attribute(table.sort, range_key=True)
    if table.ttl_attribute is not None:
        attributes[table.ttl_attribute] = TTLAttribute(null=True)
    return attributes


def index(table: Table, name: str) -> GlobalSecondaryIndex[Any]:
    """The global secondary index ``name`` of ``table`` as PynamoDB wants it, built from
    its one definition in :mod:`chalicelib.storage.schema` (name, keys, all attributes
    projected): ``by_staff = index(CONTACTS, "by_staff")`` on the table's model."""
    spec = next((found for found in table.indexes if found.name == name), None)
    if spec is None:
        raise KeyError(f"{table.logical_name} has no index {name}")
    meta = type("Meta", (), {"index_name": spec.name, "projection": AllProjection()})
    attributes: dict[str, Any] = {
        "Meta": meta,
        spec.partition.name: _attribute(spec.partition, hash_key=True),
    }
    if spec.sort is not None:
        attributes[spec.sort.name] = _attribute(spec.sort, range_key=True)
    camel = "".join(part.title() for part in name.split("_"))
    return type(camel, (GlobalSecondaryIndex,), attributes)()
