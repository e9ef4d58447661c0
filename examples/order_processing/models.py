"""The order payloads: what clients send, what activities exchange, what the workflow returns.

This module imports nothing from the worker code, so client applications (and the generated
stubs in ``stubs/``) can import these models without pulling in activities or workflows.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, Field


class OrderLine(BaseModel):
    sku: str
    quantity: int = Field(gt=0)
    unit_price_cents: int = Field(ge=0)


class Order(BaseModel):
    order_id: str
    customer_email: str
    lines: list[OrderLine] = Field(min_length=1)
    #: the payment provider's token for the customer's card
    card_token: str
    shipping_address: str

    @property
    def total_cents(self) -> int:
        return sum(line.quantity * line.unit_price_cents for line in self.lines)


class Reservation(BaseModel):
    reservation_id: str
    order_id: str


class PaymentReceipt(BaseModel):
    payment_id: str
    amount_cents: int
    #: how many tries the payment provider needed (retries are visible to the caller)
    attempts: int


class Shipment(BaseModel):
    tracking_number: str
    carrier: str


class Approval(BaseModel):
    """A person's decision on an order that needs manual approval (the ``approve`` signal)."""

    approved: bool
    approver: str
    note: str = ""


class OrderStage(str, Enum):
    """Where a running order is; the workflow's ``stage`` query answers with one of these."""

    RECEIVED = "received"
    AWAITING_APPROVAL = "awaiting_approval"
    RESERVING = "reserving"
    CHARGING = "charging"
    COMPENSATING = "compensating"
    SHIPPING = "shipping"
    CONFIRMING = "confirming"
    DONE = "done"


class OrderStatus(str, Enum):
    """How an order ended."""

    COMPLETED = "completed"
    #: payment failed for good; the inventory reservation was released
    CANCELLED = "cancelled"
    #: a person said no, or nobody decided before the approval timeout
    REJECTED = "rejected"


class OrderResult(BaseModel):
    order_id: str
    status: OrderStatus
    reason: str | None = None
    payment_id: str | None = None
    #: more than 1 when the payment provider needed retries
    payment_attempts: int | None = None
    tracking_number: str | None = None
    confirmation_id: str | None = None
