"""``GET /admin/audit?from&to``: who changed what through the admin API, newest first.

Importing this module installs the audit log every admin write is filed in
(:func:`chalicelib.core.http.install_audit`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.http import ApiBlueprint, AuditLog, install_audit
from chalicelib.core.lazy import lazy_import

if TYPE_CHECKING:
    from chalicelib.audit import service
    from chalicelib.audit.models import AuditPage
    from chalicelib.core.paging import PageRequest
else:
    service = lazy_import("chalicelib.audit.service")

blueprint = ApiBlueprint(__name__, models="chalicelib.audit.models")


def _recorder() -> AuditLog:
    from chalicelib.audit import recorder

    return recorder


install_audit(_recorder)


@blueprint.get("/admin/audit", "admin", response="AuditPage", page=(200, 1000))
def list_audit(page: PageRequest) -> AuditPage:
    """Admin writes filed on local days from..to (YYYY-MM-DD, default today), newest first."""
    day_from, day_to = blueprint.param("from"), blueprint.param("to")
    return service.entries(day_from, day_to, page.limit, page.cursor)
