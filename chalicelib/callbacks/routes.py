"""``/wecom/callback``: the URL WeCom is configured with (GET handshake, POST events)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Response

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import
from chalicelib.core.paging import Page

if TYPE_CHECKING:
    from chalicelib.callbacks import service
    from chalicelib.callbacks.service import StoredEvent
    from chalicelib.core.paging import PageRequest
else:
    service = lazy_import("chalicelib.callbacks.service")

blueprint = ApiBlueprint(__name__)

XML_TYPES = ["text/xml", "application/xml", "text/plain"]
SIGNED = ("msg_signature", "timestamp", "nonce")


def _plain(text: str) -> Response:
    return Response(body=text, status_code=200, headers={"Content-Type": "text/plain"})


def _signed() -> list[str]:
    return [blueprint.param(name) or "" for name in SIGNED]


@blueprint.get("/wecom/callback")
def verify_callback_url() -> Response:
    signature, timestamp, nonce = _signed()
    echostr = blueprint.param("echostr") or ""
    return _plain(service.verify_url(signature, timestamp, nonce, echostr))


@blueprint.post("/wecom/callback", content_types=XML_TYPES)
def receive_callback() -> Response:
    signature, timestamp, nonce = _signed()
    service.receive(signature, timestamp, nonce, blueprint.raw_body())
    return _plain("success")


# --- admin: the inbox's dead letters ------------------------------------------------------


@blueprint.get("/admin/callbacks/dead-letters", "viewer")
def list_dead_letters(page: PageRequest) -> Page:
    return Page(*service.dead_letters_page(page.limit, page.cursor))


@blueprint.get("/admin/callbacks/{key}", "viewer")
def get_callback_event(key: str) -> StoredEvent:
    return service.get_event(key)


@blueprint.post("/admin/callbacks/{key}/requeue", "operator")
def requeue_callback_event(key: str) -> StoredEvent:
    return service.requeue(key)
