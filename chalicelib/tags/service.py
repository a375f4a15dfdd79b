"""Tag use cases: mirror WeCom's catalogue, keep auto-tag rules, apply them to adds."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib import signals
from chalicelib.core.observability import logger, metrics
from chalicelib.core.settings import get_settings
from chalicelib.tags import store
from chalicelib.tags.errors import InvalidRuleId, TagRuleNotFound
from chalicelib.tags.models import CorpTag, TagRule, TagRuleIn
from chalicelib.tags.rules import AddFacts, local_time, tags_for
from chalicelib.wecom.client import get_client
from chalicelib.wecom.errors import WeComError, WeComUnavailable

_RULE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


# --- the catalogue -------------------------------------------------------------------------


def sync_catalogue() -> list[CorpTag]:
    """Replace the mirror with WeCom's ``get_corp_tag_list``: whatever changed (a tag or a
    group created, renamed, deleted or reordered), a full resync is correct."""
    tags = [
        CorpTag(
            tag_id=str(tag["id"]),
            name=str(tag.get("name") or ""),
            group_id=str(group.get("group_id") or ""),
            group_name=str(group.get("group_name") or ""),
            order=int(tag.get("order") or 0),
        )
        for group in get_client().get_corp_tag_list()
        for tag in group.get("tag") or []
        if tag.get("id") and not tag.get("deleted")
    ]
    removed = store.replace_catalogue(tags, int(time.time()))
    logger.info("tag catalogue synced", extra={"tags": len(tags), "removed": removed})
    return tags


def list_tags() -> list[CorpTag]:
    return sorted(store.catalogue(), key=lambda t: (t.group_name, t.order, t.name))


# --- rules ---------------------------------------------------------------------------------


def _checked(rule_id: str) -> str:
    if not _RULE_ID.match(rule_id):
        raise InvalidRuleId("a rule id is 1 to 64 letters, digits, '-' or '_'")
    return rule_id


def put_rule(rule_id: str, body: TagRuleIn) -> TagRule:
    rule = TagRule.model_validate(
        {
            **body.model_dump(mode="json"),
            "rule_id": _checked(rule_id),
            "tag_ids": sorted(set(body.tag_ids)),
            "updated_at": int(time.time()),
        }
    )
    store.save_rule(rule)
    return rule


def get_rule(rule_id: str) -> TagRule:
    rule = store.get_rule(_checked(rule_id))
    if rule is None:
        raise TagRuleNotFound(f"no tag rule {rule_id}")
    return rule


def list_rules() -> list[TagRule]:
    return store.rules()


def delete_rule(rule_id: str) -> None:
    if not store.delete_rule(_checked(rule_id)):
        raise TagRuleNotFound(f"no tag rule {rule_id}")


# --- applying rules to an add --------------------------------------------------------------


def auto_tag(
    event_key: str,
    external_userid: str,
    userid: str,
    facts: AddFacts,
    present: Iterable[str],
    at: int,
) -> list[str]:
    """Mark the tags of every matching rule that the relationship lacks, in one
    ``mark_tag`` call, mirror them and put them on the timeline. Returns the tags added.

    Tags missing from the mirrored catalogue (deleted in WeCom since the rule was written)
    are left out, so one stale rule cannot block the add's processing.
    """
    wanted = tags_for(store.kept_rules(), facts)
    if not wanted:
        return []
    known = {tag.tag_id for tag in store.kept_catalogue()}
    unknown = [tag for tag in wanted if known and tag not in known]
    if unknown:
        logger.warning("auto-tag rules name unknown tags", extra={"tag_ids": unknown})
    to_add = [tag for tag in wanted if tag not in set(present) and tag not in unknown]
    if not to_add:
        return []
    try:
        get_client().mark_tag(userid, external_userid, add=to_add)
    except WeComUnavailable:
        raise  # WeCom did not answer: the event's retry tags
    except WeComError as error:
        # WeCom refused these tags (a rule naming a tag it does not know): retrying cannot
        # succeed, and the add must not become a dead letter over it.
        logger.warning("auto-tags refused", extra={"tag_ids": to_add, "errcode": error.errcode})
        signals.publish(
            signals.TimelineNoted(
                effect_id=f"{event_key}#tag_failed",
                contact_id=external_userid,
                kind="tag_failed",
                at_ms=at * 1000,
                detail={"staff_userid": userid, "tag_ids": to_add, "errcode": error.errcode},
                event_key=event_key,
            )
        )
        return []
    signals.publish(
        signals.TagsMarked(
            effect_id=f"{event_key}#tagged",
            contact_id=external_userid,
            staff_userid=userid,
            tag_ids=tuple(to_add),
            at=at,
            event_key=event_key,
        )
    )
    metrics.add_metric(name="ContactAutoTagged", unit=MetricUnit.Count, value=1)
    return to_add


def facts_of(channel: str, gender: int, added_at: int, code: str = "") -> AddFacts:
    return AddFacts(channel, gender, local_time(added_at, get_settings().timezone), code)
