"""``/wecom/callback``: the URL WeCom is configured with (GET handshake, POST events)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any
from urllib.parse import unquote

from chalice.app import Response

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import
from chalicelib.core.paging import page_request

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


# --- admin: the inbox's dead letters ------------------------------------------------------


@blueprint.route("/admin/callbacks/dead-letters", methods=["GET"], role="viewer")
def list_dead_letters() -> dict[str, Any]:
    page = page_request(blueprint)
    events, following = service.dead_letters_page(page.limit, page.cursor)
    return {"items": [asdict(event) for event in events], "next_cursor": following}


@blueprint.route("/admin/callbacks/{key}", methods=["GET"], role="viewer")
def get_callback_event(key: str) -> dict[str, Any]:
    return asdict(service.get_event(unquote(key)))


@blueprint.route("/admin/callbacks/{key}/requeue", methods=["POST"], role="operator")
def requeue_callback_event(key: str) -> dict[str, Any]:
    return asdict(service.requeue(unquote(key)))
