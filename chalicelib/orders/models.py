"""Types of the orders context: what a delivery says, what an order is, what admin sees.

Amounts are integers in the currency's minor unit (cents, 分). Phone numbers never appear:
a buyer's phone becomes its HMAC (:mod:`chalicelib.contacts.phones`) as soon as it is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Source = Literal["shopify", "youzan", "generic"]
SOURCES: tuple[Source, ...] = ("shopify", "youzan", "generic")
Event = Literal["created", "paid", "completed", "refunded", "cancelled"]
Status = Literal["pending", "paid", "completed", "refunded", "cancelled"]


@dataclass(frozen=True)
class Buyer:
    external_userid: str = ""
    unionid: str = ""
    phone_hash: str = ""


@dataclass(frozen=True)
class Fact:
    """One thing a delivery says about one order.

    ``fact_id`` is the idempotency key within the order: the event (``paid``,
    ``completed``, ``cancelled``, ``created``), or ``refunded#<refund id>`` since an order
    can be refunded several times. ``amount_cents`` is the order total when the delivery
    carries it; ``refund_cents`` this refund's amount.
    """

    source: Source
    order_id: str
    event: Event
    fact_id: str
    delivery_id: str = ""
    amount_cents: int | None = None
    refund_cents: int | None = None
    currency: str = ""
    ordered_at: int | None = None
    buyer: Buyer = Buyer()

    @property
    def order_key(self) -> str:
        return f"{self.source}:{self.order_id}"


@dataclass(frozen=True)
class Parsed:
    """A delivery after its signature was checked: the facts it carries (none for a test
    push or a topic we do not act on) and what the provider expects back."""

    facts: tuple[Fact, ...]
    answer: dict[str, object]
    topic: str = ""


@dataclass
class OrderRecord:
    """An order as the store keeps it: every fact received, the refunds by id, the buyer's
    keys, the contact it was matched to, and the ``version`` its writes are checked on.
    The use cases change it and hand it back to the store to save."""

    source: Source
    order_id: str
    status: Status = "pending"
    previous_status: Status | None = None
    contact_id: str | None = None
    ordered_at: int = 0
    #: ordered_at came from the provider (else it is the first delivery's time).
    ordered_at_known: bool = False
    amount_cents: int | None = None
    currency: str = ""
    facts: set[str] = field(default_factory=set)
    refunds: dict[str, int] = field(default_factory=dict)
    first_order: bool = False
    channel: str = ""
    code: str = ""
    buyer_external_userid: str = ""
    buyer_unionid: str = ""
    buyer_phone_hash: str = ""
    version: int = 0
    updated_at: int = 0

    @property
    def order_key(self) -> str:
        return f"{self.source}:{self.order_id}"


class GenericBuyerIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    external_userid: str = Field("", max_length=64)
    unionid: str = Field("", max_length=64)
    phone: str = Field("", max_length=32)


class GenericOrderIn(BaseModel):
    """The generic webhook's JSON body (our own schema, for shops with their own systems
    and mini-programs). ``refund_id`` and ``refund_cents`` are required for ``refunded``."""

    model_config = ConfigDict(extra="ignore")

    order_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    event: Event
    amount_cents: int | None = Field(None, ge=0, le=10**12)
    currency: str = Field("CNY", min_length=3, max_length=3)
    ordered_at: int | None = Field(None, ge=0, le=10**10, description="epoch seconds")
    refund_id: str = Field("", max_length=64, pattern=r"^[A-Za-z0-9_.:-]*$")
    refund_cents: int | None = Field(None, ge=0, le=10**12)
    buyer: GenericBuyerIn = Field(default_factory=lambda: GenericBuyerIn.model_validate({}))


class Order(BaseModel):
    """An order as stored: its status follows from every fact received, in any order."""

    order_key: str
    source: Source
    order_id: str
    contact_id: str | None = None
    status: Status
    previous_status: Status | None = None
    amount_cents: int | None = None
    refunded_cents: int = 0
    #: Refunds (refund id -> cents) beyond what was left of the order: kept as facts,
    #: never counted (see docs/decisions.md, "Refunds never exceed their order").
    rejected_refunds: dict[str, int] = Field(default_factory=dict)
    currency: str = ""
    ordered_at: int
    first_order: bool = False
    channel: str = ""
    code: str = ""
    facts: list[str] = Field(default_factory=list)
    updated_at: int = 0


class OrderList(BaseModel):
    items: list[Order]
    next_cursor: str | None = None


class PageQuery(BaseModel):
    """``?limit=&cursor=``: a page's size and where it starts (the last page's
    ``next_cursor``)."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, max_length=2048)


class OrderPage(BaseModel):
    """A page of an order list, newest first; ``next_cursor`` asks for the next page."""

    items: list[Order]
    next_cursor: str | None = None


class Delivery(BaseModel):
    """One webhook delivery received for an order (the latest copy of each fact)."""

    fact_id: str
    source: Source
    topic: str = ""
    delivery_id: str = ""
    received_at: int
    first_received_at: int | None = None
    received: int = Field(0, description="how many times it was delivered")
    body: str = ""


class OrderDetail(BaseModel):
    order: Order
    deliveries: list[Delivery]


class WebhookAnswer(BaseModel):
    """What the webhook answers: Shopify ``{}``, Youzan ``{"code":0,"msg":"success"}``,
    generic ``{"ok": true}``."""

    model_config = ConfigDict(extra="allow")
