"""Payload types a client may import: aliases, a discriminated union, a generic page, Decimals."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Generic, Literal, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, computed_field
from pydantic.alias_generators import to_camel

T = TypeVar("T")


class Tier(str, Enum):
    STANDARD = "standard"
    GOLD = "gold"


class Address(BaseModel):
    """camelCase on the wire, as the PHP side writes it."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    street_line: str
    postal_code: str = Field(alias="postCode")
    care_of: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def label(self) -> str:
        return f"{self.street_line}, {self.postal_code}"


class Card(BaseModel):
    method: Literal["card"] = "card"
    token: str


class Transfer(BaseModel):
    method: Literal["transfer"] = "transfer"
    iban: str


Payment = Annotated[Card | Transfer, Field(discriminator="method")]


class Customer(BaseModel):
    customer_id: UUID
    tier: Tier = Tier.STANDARD
    address: Address
    payment: Payment


class LineItem(BaseModel):
    sku: str
    quantity: int = Field(ge=1)
    unit_price: Decimal


class OrderSummary(BaseModel):
    order_id: str
    total: Decimal
    placed_at: datetime


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
