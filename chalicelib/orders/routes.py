"""``POST /webhooks/orders/{source}`` (public, signed per provider) and admin order views."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from chalice.app import Response

from chalicelib.core.http import ApiBlueprint, int_param
from chalicelib.core.lazy import lazy_import
from chalicelib.core.paging import page_request

blueprint = ApiBlueprint(__name__)
contacts = lazy_import("chalicelib.contacts.queries")
service = lazy_import("chalicelib.orders.service")


WEBHOOK_TYPES = ["application/json", "text/plain", "application/octet-stream"]


@blueprint.route(
    "/webhooks/orders/{source}",
    methods=["POST"],
    content_types=WEBHOOK_TYPES,
    response="chalicelib.orders.models:WebhookAnswer",
)
def receive_order_webhook(source: str) -> Response:
    """A shop's order webhook: verified over the raw body, stored, applied once."""
    request = blueprint.current_request
    answer = service.receive(source, request.headers, request.raw_body or b"")
    return Response(
        body=json.dumps(answer.body),
        status_code=answer.status,
        headers={"Content-Type": "application/json"},
    )


@blueprint.route(
    "/admin/contacts/{external_userid}/orders",
    methods=["GET"],
    role="staff",
    response="chalicelib.orders.models:OrderList",
)
def list_contact_orders(external_userid: str) -> dict[str, Any]:
    """A contact's orders, newest first."""
    page = page_request(blueprint)
    contact = contacts.require_contact(unquote(external_userid))
    orders, following = service.contact_orders_page(contact, page.limit, page.cursor)
    return {"items": [o.model_dump(mode="json") for o in orders], "next_cursor": following}


def _cursor() -> str | None:
    query: Mapping[str, str] = blueprint.current_request.query_params or {}
    return query.get("cursor") or None


@blueprint.route(
    "/admin/orders",
    methods=["GET"],
    role="viewer",
    audit_read=True,
    query="chalicelib.orders.models:PageQuery",
    response="chalicelib.orders.models:OrderPage",
)
def list_orders() -> dict[str, Any]:
    """Every order, newest first: ``limit``, ``cursor`` in, ``next_cursor`` out."""
    page = service.list_orders(int_param(blueprint, "limit", 50, 1, 200), _cursor())
    return dict(page.model_dump(mode="json"))


@blueprint.route(
    "/admin/orders/unmatched",
    methods=["GET"],
    role="viewer",
    audit_read=True,
    query="chalicelib.orders.models:PageQuery",
    response="chalicelib.orders.models:OrderPage",
)
def list_unmatched_orders() -> dict[str, Any]:
    """Orders waiting for their contact (the buyer is not a customer yet), newest first."""
    page = service.list_unmatched(int_param(blueprint, "limit", 50, 1, 200), _cursor())
    return dict(page.model_dump(mode="json"))


@blueprint.route(
    "/admin/orders/{order_key}/deliveries",
    methods=["GET"],
    role="viewer",
    response="chalicelib.orders.models:OrderDetail",
)
def get_order_deliveries(order_key: str) -> dict[str, Any]:
    """The order and every webhook delivery received for it."""
    return dict(service.order_detail(unquote(order_key)).model_dump(mode="json"))


@blueprint.route(
    "/admin/orders/{order_key}",
    methods=["GET"],
    role="viewer",
    response="chalicelib.orders.models:Order",
)
def get_order(order_key: str) -> dict[str, Any]:
    """One order by ``<source>:<provider order id>``."""
    return dict(service.get_order(unquote(order_key)).model_dump(mode="json"))
