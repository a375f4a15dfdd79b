"""``GET /admin/wecom/members``: the corp's members, for the console's staff pickers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import

blueprint = ApiBlueprint(__name__)
service = lazy_import("chalicelib.members.service")


@blueprint.route(
    "/admin/wecom/members",
    methods=["GET"],
    role="viewer",
    scope="none",
    response="chalicelib.members.models:CorpMemberList",
)
def list_members() -> dict[str, Any]:
    """Kept five minutes; ``?refresh=1`` asks WeCom again."""
    query: Mapping[str, str] = blueprint.current_request.query_params or {}
    found = service.list_members(refresh=query.get("refresh") in {"1", "true"})
    return dict(found.model_dump(mode="json"))
