"""PynamoDB models bound to the tables of :mod:`chalicelib.storage.schema`.

A model names its table by schema, not by physical name or host: ``bind`` fills in the
physical table name, region and (locally) the endpoint from the settings on first use,
so nothing is connected at import and tests can rebind to another endpoint.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from pynamodb.models import Model

from chalicelib.core.settings import Settings, get_settings
from chalicelib.storage.schema import Table

M = TypeVar("M", bound="TableModel")


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
