"""Two item shapes several tables hold, and how they are read and written.

- :class:`ConfigDocument`: a context's settings as one JSON document (``doc``), with who
  saved it and when, under ``pk=config``, ``sk=<name>``;
- :class:`JobCursor`: where a paged job resumes (``cursor``, the job's own small
  document), under ``pk=job``, ``sk=<job name>``.

A table's item type takes the shape by subclassing it with the table's base
(``class ConfigItem(ConfigDocument, PointsItem)``); the attributes are the same on every
table, so stored items read the same everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException

from chalicelib.storage.ops import get_or_none, unavailable

if TYPE_CHECKING:
    from chalicelib.storage.dynamo import TableModel

CONFIG_PK = "config"
JOB_PK = "job"


class ConfigDocument:
    """The attributes of a configuration document (a mixin of a table's item type)."""

    doc = JSONAttribute(default=dict)
    updated_by = UnicodeAttribute(default="")
    updated_at = NumberAttribute(default=0)


class JobCursor:
    """Where a paged job resumes (``cursor``: its own small document; a mixin of a table's
    item type)."""

    cursor = JSONAttribute(default=dict)
    updated_at = NumberAttribute(default=0)


def read_config(model: type[TableModel], name: str) -> dict[str, Any] | None:
    """The document ``name`` as last saved (a consistent read), ``None`` before any
    (``model``: an item type with the :class:`ConfigDocument` attributes)."""
    found: Any = get_or_none(model, CONFIG_PK, name, consistent=True)
    return None if found is None else dict(found.doc)


def write_config(
    model: type[TableModel], name: str, doc: dict[str, Any], principal: str, at: int, what: str
) -> None:
    try:
        model(CONFIG_PK, name, doc=doc, updated_by=principal, updated_at=at).save()
    except PynamoDBException as error:
        raise unavailable(what) from error


def read_cursor(model: type[TableModel], name: str) -> dict[str, Any]:
    """Where job ``name`` resumes (``{}``: from the start; ``model``: an item type with the
    :class:`JobCursor` attributes)."""
    found: Any = get_or_none(model, JOB_PK, name, consistent=True)
    return {} if found is None else dict(found.cursor or {})


def write_cursor(
    model: type[TableModel], name: str, cursor: dict[str, Any], at: int, what: str
) -> None:
    try:
        model(JOB_PK, name, cursor=cursor, updated_at=at).save()
    except PynamoDBException as error:
        raise unavailable(what) from error
