"""``/admin/welcome-messages``: one message per channel, ``default`` as the fallback."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from chalice.app import Response

from chalicelib.core.http import ApiBlueprint, current_principal, request_json
from chalicelib.core.lazy import lazy_import
from chalicelib.core.paging import listed

blueprint = ApiBlueprint(__name__)
service = lazy_import("chalicelib.welcome.service")
models = lazy_import("chalicelib.welcome.models")


@blueprint.route(
    "/admin/welcome-messages",
    methods=["GET"],
    role="viewer",
    response="chalicelib.welcome.models:WelcomeMessage[]",
)
def list_welcome_messages() -> dict[str, Any]:
    return listed(blueprint, service.list_messages(), "channel")


@blueprint.route(
    "/admin/welcome-messages/{channel}",
    methods=["GET"],
    role="viewer",
    response="chalicelib.welcome.models:WelcomeMessage",
)
def get_welcome_message(channel: str) -> dict[str, Any]:
    return dict(service.get_message(unquote(channel)).model_dump(mode="json"))


@blueprint.route(
    "/admin/welcome-messages/{channel}",
    methods=["PUT"],
    role="operator",
    body="chalicelib.welcome.models:WelcomeMessageIn",
    response="chalicelib.welcome.models:WelcomeMessage",
)
def put_welcome_message(channel: str) -> dict[str, Any]:
    body = models.WelcomeMessageIn.model_validate(request_json(blueprint) or {})
    subject, _ = current_principal(blueprint)
    return dict(service.put_message(unquote(channel), body, subject).model_dump(mode="json"))


@blueprint.route("/admin/welcome-messages/{channel}", methods=["DELETE"], role="operator")
def delete_welcome_message(channel: str) -> Response:
    service.delete_message(unquote(channel))
    return Response(body="", status_code=204)
