"""``GET /health``: 200 when every store answers, 503 naming the one that does not."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import

blueprint = ApiBlueprint(__name__)
service = lazy_import("chalicelib.health.service")


@blueprint.route("/health", methods=["GET"])
def health() -> Response:
    result = service.check()
    body = {"stage": result.stage, "ok": result.ok, "checks": result.checks}
    return Response(body=body, status_code=200 if result.ok else 503)
