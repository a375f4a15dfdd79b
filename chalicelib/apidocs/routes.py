"""``GET /admin/openapi.json``: the admin API's OpenAPI 3.1 document."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import

blueprint = ApiBlueprint(__name__)
if TYPE_CHECKING:
    from chalicelib.apidocs import openapi
else:
    openapi = lazy_import("chalicelib.apidocs.openapi")

_cache: dict[str, Any] = {}


@blueprint.get("/admin/openapi.json", "viewer", scope="none")
def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of every admin route (built once per warm Lambda)."""
    if "doc" not in _cache:
        known = {
            (path, method)
            for path, methods in blueprint.current_app.routes.items()
            for method in methods
        }
        _cache["doc"] = openapi.build(ApiBlueprint.declared, known=known)
    return dict(_cache["doc"])
