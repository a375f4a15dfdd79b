"""``/admin/tags`` (the mirrored catalogue) and ``/admin/tag-rules`` (auto-tag rules)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import

if TYPE_CHECKING:
    from chalicelib.tags import service
    from chalicelib.tags.models import CorpTag, TagRule, TagRuleIn
else:
    service = lazy_import("chalicelib.tags.service")

blueprint = ApiBlueprint(__name__, models="chalicelib.tags.models")
RULE = "/admin/tag-rules/{rule_id}"


@blueprint.get("/admin/tags", "viewer", response="CorpTag[]", listed="tag_id")
def list_tags() -> list[CorpTag]:
    return service.list_tags()


@blueprint.post("/admin/tags/sync", "admin", response="CorpTag[]")
def sync_tags() -> list[CorpTag]:
    return service.sync_catalogue()


@blueprint.get("/admin/tag-rules", "viewer", response="TagRule[]", listed="rule_id")
def list_tag_rules() -> list[TagRule]:
    return service.list_rules()


@blueprint.get(RULE, "viewer", response="TagRule")
def get_tag_rule(rule_id: str) -> TagRule:
    return service.get_rule(rule_id)


@blueprint.put(RULE, "admin", body="TagRuleIn", response="TagRule")
def put_tag_rule(rule_id: str, body: TagRuleIn) -> TagRule:
    return service.put_rule(rule_id, body)


@blueprint.delete(RULE, "admin")
def delete_tag_rule(rule_id: str) -> None:
    service.delete_rule(rule_id)
