"""Codec encode/decode cost per payload (wrapper and Value v1) and converter cost for a pydantic model."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from functools import partial
from typing import Any

import pydantic

from benchmarks._common import median_time, print_table
from durable_workflow.payloads import DataConverter, from_json_compatible, to_json_compatible

__all__ = ["Order", "main"]


class Line(pydantic.BaseModel):
    sku: str
    qty: int
    price: Decimal


class Order(pydantic.BaseModel):
    id: uuid.UUID
    placed: dt.datetime
    customer: str
    lines: list[Line]
    notes: str | None = None


ORDER = Order(
    id=uuid.UUID(int=42),
    placed=dt.datetime(2026, 4, 20, 10, 0, tzinfo=dt.timezone.utc),
    customer="ada",
    lines=[Line(sku=f"sku-{i}", qty=i + 1, price=Decimal("9.99")) for i in range(5)],
)
PAYLOADS: dict[str, Any] = {
    "greeting (small dict)": {"greeting": "Hello, world!", "length": 5},
    "args list [str]": ["world"],
    "1 KiB nested": {
        "items": [{"id": i, "name": f"item-{i}", "tags": ["a", "b"], "ok": True} for i in range(18)]
    },
    "64 KiB text": {"blob": "x" * 65536},
}
CONVERTERS = {"wrapper": DataConverter(encoding="wrapper"), "value-v1": DataConverter(encoding="value-v1")}


def _number(size: int) -> int:
    return max(20, min(5000, 2_000_000 // max(size, 1)))


def main() -> None:
    rows = []
    for name, value in PAYLOADS.items():
        for encoding, converter in CONVERTERS.items():
            blob = converter.encode_blob(value)
            assert converter.decode(blob) == value
            n = _number(len(blob))
            enc = median_time(partial(converter.encode_blob, value), number=n)
            dec = median_time(partial(converter.decode, blob), number=n)
            rows.append([name, encoding, len(blob), enc * 1e6, dec * 1e6])
    print_table(
        "Codec cost per payload (base64 blob; median)",
        ["payload", "encoding", "blob bytes", "encode us", "decode us"],
        rows,
    )
    plain = to_json_compatible(ORDER)
    assert from_json_compatible(plain, Order) == ORDER
    wrapper = CONVERTERS["wrapper"]
    blob = wrapper.encode_blob(ORDER)
    convert_rows = [
        ["to_json_compatible(Order)", median_time(lambda: to_json_compatible(ORDER), number=2000) * 1e6],
        [
            "from_json_compatible(plain, Order)",
            median_time(lambda: from_json_compatible(plain, Order), number=2000) * 1e6,
        ],
        [
            "converter.encode_blob(Order) (wrapper)",
            median_time(lambda: wrapper.encode_blob(ORDER), number=2000) * 1e6,
        ],
        [
            "decode + rebuild Order (wrapper)",
            median_time(lambda: from_json_compatible(wrapper.decode(blob), Order), number=2000) * 1e6,
        ],
        [
            "pydantic model_dump(mode='json') alone",
            median_time(lambda: ORDER.model_dump(mode="json"), number=2000) * 1e6,
        ],
    ]
    print_table(
        "Converter cost for a pydantic model (Order with 5 lines; median)", ["operation", "us"], convert_rows
    )
