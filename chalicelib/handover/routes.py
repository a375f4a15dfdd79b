"""Admin routes of handover and the initial sync."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import

if TYPE_CHECKING:
    from chalicelib.core.paging import PageRequest
    from chalicelib.handover import service
    from chalicelib.handover.models import (
        RefreshOutcome,
        RefreshRequest,
        SyncRequest,
        SyncRun,
        Transfer,
        TransferOutcome,
        TransferRequest,
    )
    from chalicelib.identity.models import Principal
else:
    service = lazy_import("chalicelib.handover.service")

blueprint = ApiBlueprint(__name__, models="chalicelib.handover.models")


@blueprint.post("/admin/sync/contacts", "admin", body="SyncRequest", response="SyncRun")
def sync_contacts(body: SyncRequest) -> SyncRun:
    return service.sync_contacts(body.staff, max_pages=body.max_pages, restart=body.restart)


@blueprint.post(
    "/admin/handover/transfer", "admin", body="TransferRequest", response="TransferOutcome"
)
def transfer_customers(body: TransferRequest, principal: Principal) -> TransferOutcome:
    return service.transfer(body, requested_by=principal.userid)


@blueprint.post(
    "/admin/handover/refresh", "admin", body="RefreshRequest", response="RefreshOutcome"
)
def refresh_results(body: RefreshRequest) -> RefreshOutcome:
    return service.refresh(body.handover_userid)


@blueprint.get(
    "/admin/handover/{handover_userid}",
    "viewer",
    scope="staff",
    response="Transfer[]",
    page=(100, 1000),
)
def list_transfers(handover_userid: str, page: PageRequest) -> list[Transfer]:
    return service.list_transfers(handover_userid, page.limit)
