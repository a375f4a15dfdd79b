"""``GET /admin/wecom/members``: the corp's members, for the console's staff pickers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import

if TYPE_CHECKING:
    from chalicelib.members import service
    from chalicelib.members.models import CorpMemberList
else:
    service = lazy_import("chalicelib.members.service")

blueprint = ApiBlueprint(__name__, models="chalicelib.members.models")


@blueprint.get("/admin/wecom/members", "viewer", scope="none", response="CorpMemberList")
def list_members() -> CorpMemberList:
    """Kept five minutes; ``?refresh=1`` asks WeCom again."""
    return service.list_members(refresh=blueprint.param("refresh") in {"1", "true"})
