"""``/admin/tags`` (the mirrored catalogue) and ``/admin/tag-rules`` (auto-tag rules)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from chalice.app import Response

from chalicelib.core.http import ApiBlueprint, request_json
from chalicelib.core.lazy import lazy_import
from chalicelib.core.paging import listed

blueprint = ApiBlueprint(__name__)
service = lazy_import("chalicelib.tags.service")
models = lazy_import("chalicelib.tags.models")


@blueprint.route(
    "/admin/tags", methods=["GET"], role="viewer", response="chalicelib.tags.models:CorpTag[]"
)
def list_tags() -> dict[str, Any]:
    return listed(blueprint, service.list_tags(), "tag_id")


@blueprint.route(
    "/admin/tags/sync", methods=["POST"], role="admin", response="chalicelib.tags.models:CorpTag[]"
)
def sync_tags() -> dict[str, Any]:
    return {"items": [tag.model_dump(mode="json") for tag in service.sync_catalogue()]}


@blueprint.route(
    "/admin/tag-rules", methods=["GET"], role="viewer", response="chalicelib.tags.models:TagRule[]"
)
def list_tag_rules() -> dict[str, Any]:
    return listed(blueprint, service.list_rules(), "rule_id")


@blueprint.route(
    "/admin/tag-rules/{rule_id}",
    methods=["GET"],
    role="viewer",
    response="chalicelib.tags.models:TagRule",
)
def get_tag_rule(rule_id: str) -> dict[str, Any]:
    return dict(service.get_rule(unquote(rule_id)).model_dump(mode="json"))


@blueprint.route(
    "/admin/tag-rules/{rule_id}",
    methods=["PUT"],
    role="admin",
    body="chalicelib.tags.models:TagRuleIn",
    response="chalicelib.tags.models:TagRule",
)
def put_tag_rule(rule_id: str) -> dict[str, Any]:
    body = models.TagRuleIn.model_validate(request_json(blueprint) or {})
    return dict(service.put_rule(unquote(rule_id), body).model_dump(mode="json"))


@blueprint.route("/admin/tag-rules/{rule_id}", methods=["DELETE"], role="admin")
def delete_tag_rule(rule_id: str) -> Response:
    service.delete_rule(unquote(rule_id))
    return Response(body="", status_code=204)
