"""The tags table: the corporate tag catalogue (``pk=corp-tags``, ``sk=tag#<tag id>``) and
the auto-tag rules (``pk=tag-rules``, ``sk=rule#<rule id>``). Each is one partition, read
with a query (never a scan).

Every add matches the rules against the catalogue: :func:`kept_rules` and
:func:`kept_catalogue` keep both ``CONFIG_KEPT_S`` seconds (:mod:`chalicelib.storage.kept`),
so the two partitions are not read per add; a change made here is seen at once by this
container.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

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
from chalicelib.storage.kept import Kept
from chalicelib.storage.keys import Prefix
from chalicelib.storage.schema import TAGS
from chalicelib.tags.models import CorpTag, TagRule

T = TypeVar("T")

CATALOGUE = "corp-tags"
RULES = "tag-rules"


tag_sk = Prefix("tag#")
rule_sk = Prefix("rule#")


class CorpTagItem(TableModel):
    schema = TAGS
    tag_id = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    group_id = UnicodeAttribute(default="")
    group_name = UnicodeAttribute(default="")
    order = NumberAttribute(default=0)
    synced_at = NumberAttribute(default=0)


class TagRuleItem(TableModel):
    schema = TAGS
    rule_id = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    tag_ids = UnicodeSetAttribute(default=set)
    enabled = BooleanAttribute(default=True)
    conditions = JSONAttribute(default=dict)
    updated_at = NumberAttribute(default=0)


def catalogue() -> list[CorpTag]:
    """The catalogue as stored now."""
    return [_tag(item) for item in _read(lambda: list(CorpTagItem.query(CATALOGUE)))]


def rules() -> list[TagRule]:
    """Every rule as stored now, by id."""
    query = TagRuleItem.sk.startswith("rule#")
    return [_rule(item) for item in _read(lambda: list(TagRuleItem.query(RULES, query)))]


_rules: Kept[list[TagRule]] = Kept(rules)
_catalogue: Kept[list[CorpTag]] = Kept(catalogue)


def kept_rules() -> list[TagRule]:
    """:func:`rules` as read at most ``CONFIG_KEPT_S`` seconds ago (the path of every add)."""
    return _rules.get()


def kept_catalogue() -> list[CorpTag]:
    """:func:`catalogue` as read at most ``CONFIG_KEPT_S`` seconds ago."""
    return _catalogue.get()


def get_rule(rule_id: str) -> TagRule | None:
    try:
        item = TagRuleItem.get(RULES, rule_sk(rule_id))
    except TagRuleItem.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise DependencyUnavailable("the tags table did not answer") from error
    return _rule(item)


def replace_catalogue(tags: list[CorpTag], synced_at: int) -> int:
    """Write ``tags`` and remove catalogue entries WeCom no longer lists; the count removed."""
    items = [
        CorpTagItem(
            CATALOGUE,
            tag_sk(tag.tag_id),
            tag_id=tag.tag_id,
            name=tag.name,
            group_id=tag.group_id,
            group_name=tag.group_name,
            order=tag.order,
            synced_at=synced_at,
        )
        for tag in tags
    ]
    keep = {item.sk for item in items}
    try:
        stale = [item for item in CorpTagItem.query(CATALOGUE) if item.sk not in keep]
        with CorpTagItem.batch_write() as batch:
            for item in items:
                batch.save(item)
            for item in stale:
                batch.delete(item)
    except PynamoDBException as error:
        raise DependencyUnavailable("the tags table did not accept the catalogue") from error
    finally:
        _catalogue.forget()
    return len(stale)


def save_rule(rule: TagRule) -> None:
    item = TagRuleItem(
        RULES,
        rule_sk(rule.rule_id),
        rule_id=rule.rule_id,
        name=rule.name,
        tag_ids=set(rule.tag_ids),
        enabled=rule.enabled,
        conditions=rule.model_dump(mode="json", include=set(CONDITIONS), exclude_none=True),
        updated_at=rule.updated_at,
    )
    try:
        item.save()
    except PynamoDBException as error:
        raise DependencyUnavailable("the tags table did not accept the rule") from error
    finally:
        _rules.forget()


def delete_rule(rule_id: str) -> bool:
    try:
        TagRuleItem(RULES, rule_sk(rule_id)).delete(condition=TagRuleItem.pk.exists())
    except PynamoDBException as error:
        if condition_failed(error):
            return False
        raise DependencyUnavailable("the tags table did not answer") from error
    finally:
        _rules.forget()
    return True


def _read(fetch: Callable[[], list[T]]) -> list[T]:
    try:
        return fetch()
    except PynamoDBException as error:
        raise DependencyUnavailable("the tags table did not answer") from error


CONDITIONS = ("channel", "code", "gender", "weekdays", "hours")


def _tag(item: CorpTagItem) -> CorpTag:
    return CorpTag(
        tag_id=item.tag_id,
        name=item.name,
        group_id=item.group_id,
        group_name=item.group_name,
        order=int(item.order),
    )


def _rule(item: TagRuleItem) -> TagRule:
    conditions: dict[str, Any] = dict(item.conditions or {})
    return TagRule.model_validate(
        {
            "rule_id": item.rule_id,
            "name": item.name,
            "tag_ids": sorted(item.tag_ids or set()),
            "enabled": bool(item.enabled),
            "updated_at": int(item.updated_at),
            **{k: v for k, v in conditions.items() if k in CONDITIONS},
        }
    )
