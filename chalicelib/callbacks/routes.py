"""``/wecom/callback``: the URL WeCom is configured with (GET handshake, POST events)."""

from __future__ import annotations

from collections.abc import Mapping

from chalice.app import Response

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import

blueprint = ApiBlueprint(__name__)
service = lazy_import("chalicelib.callbacks.service")

XML_TYPES = ["text/xml", "application/xml", "text/plain"]


def _plain(text: str) -> Response:
    return Response(body=text, status_code=200, headers={"Content-Type": "text/plain"})


@blueprint.route("/wecom/callback", methods=["GET"])
def verify_callback_url() -> Response:
    query: Mapping[str, str] = blueprint.current_request.query_params or {}
    plaintext = service.verify_url(
        query.get("msg_signature", ""),
        query.get("timestamp", ""),
        query.get("nonce", ""),
        query.get("echostr", ""),
    )
    return _plain(plaintext)


@blueprint.route("/wecom/callback", methods=["POST"], content_types=XML_TYPES)
def receive_callback() -> Response:
    request = blueprint.current_request
    query: Mapping[str, str] = request.query_params or {}
    service.receive(
        query.get("msg_signature", ""),
        query.get("timestamp", ""),
        query.get("nonce", ""),
        request.raw_body or b"",
    )
    return _plain("success")
