"""``POST /webhooks/orders/{source}`` (public, signed per provider) and admin order views."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from chalice.app import Response

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import
from chalicelib.core.paging import Page

if TYPE_CHECKING:
    from chalicelib.contacts import queries as contacts
    from chalicelib.core.paging import PageRequest
    from chalicelib.orders import service
    from chalicelib.orders.models import Order, OrderDetail, OrderPage
else:
    contacts = lazy_import("chalicelib.contacts.queries")
    service = lazy_import("chalicelib.orders.service")

blueprint = ApiBlueprint(__name__, models="chalicelib.orders.models")

WEBHOOK_TYPES = ["application/json", "text/plain", "application/octet-stream"]
ORDER = "/admin/orders/{order_key}"


@blueprint.post("/webhooks/orders/{source}", content_types=WEBHOOK_TYPES, response="WebhookAnswer")
def receive_order_webhook(source: str) -> Response:
    """A shop's order webhook: verified over the raw body, stored, applied once."""
    headers = blueprint.current_request.headers
    answer = service.receive(source, headers, blueprint.raw_body())
    return Response(
        body=json.dumps(answer.body),
        status_code=answer.status,
        headers={"Content-Type": "application/json"},
    )


@blueprint.get("/admin/contacts/{external_userid}/orders", "staff", response="OrderList")
def list_contact_orders(external_userid: str, page: PageRequest) -> Page:
    """A contact's orders, newest first."""
    contact = contacts.require_contact(external_userid)
    return Page(*service.contact_orders_page(contact, page.limit, page.cursor))


@blueprint.get("/admin/orders", "viewer", audit_read=True, query="PageQuery", response="OrderPage")
def list_orders(page: PageRequest) -> OrderPage:
    """Every order, newest first: ``limit``, ``cursor`` in, ``next_cursor`` out."""
    return service.list_orders(page.limit, page.cursor)


@blueprint.get(
    "/admin/orders/unmatched", "viewer", audit_read=True, query="PageQuery", response="OrderPage"
)
def list_unmatched_orders(page: PageRequest) -> OrderPage:
    """Orders waiting for their contact (the buyer is not a customer yet), newest first."""
    return service.list_unmatched(page.limit, page.cursor)


@blueprint.get(f"{ORDER}/deliveries", "viewer", response="OrderDetail")
def get_order_deliveries(order_key: str) -> OrderDetail:
    """The order and every webhook delivery received for it."""
    return service.order_detail(order_key)


@blueprint.get(ORDER, "viewer", response="Order")
def get_order(order_key: str) -> Order:
    """One order by ``<source>:<provider order id>``."""
    return service.get_order(order_key)
