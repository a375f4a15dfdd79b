"""The tags table: the corporate tag catalogue (``pk=corp-tags``, ``sk=tag#<tag id>``) and
the auto-tag rules (``pk=tag-rules``, ``sk=rule#<rule id>``). Each is one partition, read
with a query (never a scan)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import PynamoDBException

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.storage.dynamo import TableModel, condition_failed
from chalicelib.storage.schema import TAGS

T = TypeVar("T")

CATALOGUE = "corp-tags"
RULES = "tag-rules"


def tag_sk(tag_id: str) -> str:
    return f"tag#{tag_id}"


def rule_sk(rule_id: str) -> str:
    return f"rule#{rule_id}"


class CorpTagItem(TableModel):
    schema = TAGS

    class Meta(TableModel.Meta):
        abstract = False

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tag_id = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    group_id = UnicodeAttribute(default="")
    group_name = UnicodeAttribute(default="")
    order = NumberAttribute(default=0)
    synced_at = NumberAttribute(default=0)


class TagRuleItem(TableModel):
    schema = TAGS

    class Meta(TableModel.Meta):
        abstract = False

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    rule_id = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    tag_ids = UnicodeSetAttribute(default=set)
    enabled = BooleanAttribute(default=True)
    conditions = JSONAttribute(default=dict)
    updated_at = NumberAttribute(default=0)


def catalogue() -> list[CorpTagItem]:
    model = CorpTagItem.bound()
    return _read(lambda: list(model.query(CATALOGUE)))


def rules() -> list[TagRuleItem]:
    model = TagRuleItem.bound()
    return _read(lambda: list(model.query(RULES, model.sk.startswith("rule#"))))


def get_rule(rule_id: str) -> TagRuleItem | None:
    model = TagRuleItem.bound()
    try:
        return model.get(RULES, rule_sk(rule_id))
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise DependencyUnavailable("the tags table did not answer") from error


def replace_catalogue(items: list[CorpTagItem]) -> int:
    """Write ``items`` and remove catalogue entries WeCom no longer lists; the count removed."""
    model = CorpTagItem.bound()
    keep = {item.sk for item in items}
    try:
        stale = [item for item in model.query(CATALOGUE) if item.sk not in keep]
        with model.batch_write() as batch:
            for item in items:
                batch.save(item)
            for item in stale:
                batch.delete(item)
    except PynamoDBException as error:
        raise DependencyUnavailable("the tags table did not accept the catalogue") from error
    return len(stale)


def save_rule(item: TagRuleItem) -> None:
    try:
        item.save()
    except PynamoDBException as error:
        raise DependencyUnavailable("the tags table did not accept the rule") from error


def delete_rule(rule_id: str) -> bool:
    model = TagRuleItem.bound()
    try:
        model(RULES, rule_sk(rule_id)).delete(condition=model.pk.exists())
    except PynamoDBException as error:
        if condition_failed(error):
            return False
        raise DependencyUnavailable("the tags table did not answer") from error
    return True


def _read(fetch: Callable[[], list[T]]) -> list[T]:
    try:
        return fetch()
    except PynamoDBException as error:
        raise DependencyUnavailable("the tags table did not answer") from error
