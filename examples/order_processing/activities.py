"""The order activities: the steps that talk to the outside world.

The warehouse, payment provider, carrier and mailer are in-memory fakes so the example runs with
no services. Each activity is idempotent by order id, because the server may deliver an activity
more than once (a retry after a timeout can race a late success).
"""

from __future__ import annotations

import hashlib

from examples.order_processing.models import Order, PaymentReceipt, Reservation, Shipment

from durable_workflow import NonRetryableError, activity

# Card tokens the fake payment provider understands (a real provider issues these).
CARD_OK = "tok_visa"
CARD_FLAKY = "tok_flaky"  # the gateway times out on the first attempt, then succeeds
CARD_DECLINED = "tok_declined"


class OutOfStock(NonRetryableError):
    """Retrying cannot conjure stock: raising NonRetryableError stops retries at once."""


class PaymentDeclined(Exception):
    """The bank said no. Listed in the payment retry policy's non_retryable_error_types."""


class PaymentGatewayTimeout(Exception):
    """A transient fault: the retry policy tries again after a back-off."""


class Warehouse:
    """Stock levels and the reservations held against them."""

    def __init__(self, stock: dict[str, int]) -> None:
        self.stock = dict(stock)
        self.reservations: dict[str, Order] = {}

    def reserve(self, order: Order) -> str:
        reservation_id = f"res-{order.order_id}"
        if reservation_id in self.reservations:  # a redelivered attempt: same reservation
            return reservation_id
        for line in order.lines:
            if self.stock.get(line.sku, 0) < line.quantity:
                raise OutOfStock(f"not enough {line.sku!r} for order {order.order_id}")
        for line in order.lines:
            self.stock[line.sku] -= line.quantity
        self.reservations[reservation_id] = order
        return reservation_id

    def release(self, reservation_id: str) -> None:
        order = self.reservations.pop(reservation_id, None)
        for line in order.lines if order else ():
            self.stock[line.sku] += line.quantity


WAREHOUSE = Warehouse({"mug": 1_000, "teapot": 100, "espresso-machine": 20})


@activity.defn(name="reserve_inventory")
async def reserve_inventory(order: Order) -> Reservation:
    reservation_id = WAREHOUSE.reserve(order)
    return Reservation(reservation_id=reservation_id, order_id=order.order_id)


@activity.defn(name="release_inventory")
async def release_inventory(reservation: Reservation) -> None:
    """The compensation of `reserve_inventory`: put the reserved stock back."""
    WAREHOUSE.release(reservation.reservation_id)


@activity.defn(name="charge_payment")
async def charge_payment(order: Order, reservation: Reservation) -> PaymentReceipt:
    attempt = activity.context().info.attempt_number
    if order.card_token == CARD_DECLINED:
        raise PaymentDeclined(f"card declined for order {order.order_id}")
    if order.card_token == CARD_FLAKY and attempt == 1:
        raise PaymentGatewayTimeout("payment gateway did not answer in time")
    return PaymentReceipt(
        payment_id=f"pay-{_digest(reservation.reservation_id)}",
        amount_cents=order.total_cents,
        attempts=attempt,
    )


@activity.defn(name="create_shipment")
async def create_shipment(order: Order, receipt: PaymentReceipt) -> Shipment:
    return Shipment(
        tracking_number=f"TRK-{_digest(order.order_id + receipt.payment_id).upper()}", carrier="ACME"
    )


@activity.defn(name="send_confirmation")
async def send_confirmation(order: Order, shipment: Shipment) -> str:
    """Email the customer; returns the mailer's message id."""
    return f"msg-{_digest(order.customer_email + shipment.tracking_number)}"


def _digest(text: str) -> str:
    """A short stable id, so every run of the example prints the same ids."""
    return hashlib.sha256(text.encode()).hexdigest()[:10]
