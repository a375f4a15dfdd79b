"""``GET /health`` (public: ok or not, cached) and ``GET /admin/health`` (the detail)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Response

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import

if TYPE_CHECKING:
    from chalicelib.health import service
else:
    service = lazy_import("chalicelib.health.service")

blueprint = ApiBlueprint(__name__)


@blueprint.get("/health")
def health() -> Response:
    """Ok or not, and nothing else: the detail is for signed-in admins."""
    ok = service.public()
    return Response(
        body={"ok": ok},
        status_code=200 if ok else 503,
        headers={"Cache-Control": f"public, max-age={int(service.PUBLIC_TTL_S)}"},
    )


@blueprint.get("/admin/health", "admin")
def admin_health() -> Response:
    """Every store, every secret (present and long enough) and WeCom: a token and one
    API answer from this stage's egress IP (60020 means the IP is not trusted)."""
    result = service.check()
    body = {"stage": result.stage, "ok": result.ok, "checks": result.checks}
    return Response(body=body, status_code=200 if result.ok else 503)
