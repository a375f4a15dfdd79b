"""``/admin/broadcasts``: one-off mass messages (operators create, viewers read)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import

if TYPE_CHECKING:
    from chalicelib.broadcasts import service
    from chalicelib.broadcasts.models import Broadcast, BroadcastIn, BroadcastReport
    from chalicelib.identity.models import Principal
else:
    service = lazy_import("chalicelib.broadcasts.service")

blueprint = ApiBlueprint(__name__, models="chalicelib.broadcasts.models")
ONE = "/admin/broadcasts/{broadcast_id}"


@blueprint.get("/admin/broadcasts", "viewer", response="BroadcastReport[]", listed="id")
def list_broadcasts() -> list[BroadcastReport]:
    return service.list_broadcasts()


@blueprint.put(ONE, "operator", body="BroadcastIn", response="Broadcast", status=201)
def create_broadcast(broadcast_id: str, body: BroadcastIn, principal: Principal) -> Broadcast:
    return service.create(service.checked_id(broadcast_id), body, principal.userid)


@blueprint.get(ONE, "viewer", response="BroadcastReport")
def get_broadcast(broadcast_id: str) -> BroadcastReport:
    return service.get(broadcast_id)


@blueprint.delete(ONE, "operator")
def cancel_broadcast(broadcast_id: str) -> None:
    service.cancel(broadcast_id)
