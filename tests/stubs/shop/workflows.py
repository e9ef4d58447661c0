"""Worker code of the shop: a workflow with every handler kind and multi-parameter activities.

`Receipt` and `Batch` live here, so the stubs regenerate them instead of importing this module.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from durable_workflow import activity, workflow
from durable_workflow.workflow import WorkflowContext

from .models import Address, Customer, LineItem, OrderSummary, Page, Payment

T = TypeVar("T")


class Receipt(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    order_id: str = Field(alias="orderId")
    charged: Decimal
    payment: Payment
    ship_to: Address
    tracking: str | None = Field(default=None, alias="trackingNumber")
    notes: list[str] = Field(default_factory=list)


class Batch(BaseModel, Generic[T]):
    entries: list[T]


@activity.defn(name="shop.price")
async def price_lines(lines: list[LineItem], discount: Decimal = Decimal("0.00")) -> Decimal:
    total = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
    return (total - discount).quantize(Decimal("0.01"))


@activity.defn(name="shop.charge")
def charge(payment: Payment, amount: Decimal, currency: str = "EUR") -> str:
    return f"{payment.method}:{amount}:{currency}"


@activity.defn(name="shop.ship")
async def ship(address: Address, express: bool = False) -> str:
    care_of = f"-co-{address.care_of}" if address.care_of else ""
    return f"TRK-{address.postal_code}-{'X' if express else 'S'}{care_of}"


@workflow.defn(name="shop-order")
class ShopWorkflow:
    """Price, charge, wait for approval, ship."""

    def __init__(self) -> None:
        self.approved = False
        self.notes: list[str] = []
        self.receipts: list[Receipt] = []

    @workflow.signal("approve")
    def approve(self, approver: str, approved: bool = True) -> None:
        self.approved = approved
        self.notes.append(f"approved by {approver}")

    @workflow.update("add_note")
    def add_note(self, value: str) -> int:
        self.notes.append(value)
        return len(self.notes)

    @workflow.query("history")
    def history(self, cursor: str | None = None) -> Page[OrderSummary]:
        now = datetime(2026, 1, 1, tzinfo=timezone.utc)
        items = [OrderSummary(order_id=r.order_id, total=r.charged, placed_at=now) for r in self.receipts]
        return Page[OrderSummary](items=items, next_cursor=cursor)

    @workflow.query("batch")
    def batch(self) -> Batch[Receipt]:
        return Batch[Receipt](entries=self.receipts)

    def run(
        self,
        ctx: WorkflowContext,
        order_id: str,
        customer: Customer,
        lines: list[LineItem],
        discount: Decimal = Decimal("0.00"),
        express: bool = False,
        channels: tuple[str, ...] = ("web",),
    ) -> Generator[Any, Any, Receipt]:
        total = yield from ctx.activity(price_lines, start_to_close_timeout=30)(lines, discount=discount)
        charged = yield from ctx.activity(charge, start_to_close_timeout=30)(customer.payment, total)
        self.notes.append(charged)
        yield from ctx.wait_condition(lambda: self.approved, timeout=600)
        tracking = yield from ctx.activity(ship, start_to_close_timeout=30)(customer.address, express=express)
        receipt = Receipt(
            orderId=order_id,
            charged=total,
            payment=customer.payment,
            ship_to=customer.address,
            trackingNumber=tracking,
            notes=self.notes,
        )
        self.receipts.append(receipt)
        return receipt
