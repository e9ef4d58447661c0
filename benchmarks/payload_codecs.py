"""Codec encode/decode cost per payload (wrapper and Value v1) and converter cost for a pydantic model."""

from __future__ import annotations

import datetime as dt
import json
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


def _record(i: int) -> dict[str, Any]:
    return {"id": i, "sku": f"sku-{i:05d}", "qty": i % 7, "price": 9.99, "tags": ["a", "b"], "ok": True}


PAYLOADS: dict[str, Any] = {
    "greeting (small dict)": {"greeting": "Hello, world!", "length": 5},
    "0.4 KiB order": {"order": "o-1", "customer": "ada (analyst)", "lines": [_record(i) for i in range(5)]},
    "64 KiB records": {"lines": [_record(i) for i in range(850)]},
    "64 KiB text": {"blob": "x" * 65536},
}
CONVERTERS = {"wrapper": DataConverter(encoding="wrapper"), "value-v1": DataConverter(encoding="value-v1")}


def _number(size: int) -> int:
    return max(20, min(5000, 2_000_000 // max(size, 1)))


def _plain_json(value: Any) -> tuple[float, float]:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    n = _number(len(text))
    encode = median_time(partial(json.dumps, value, separators=(",", ":"), ensure_ascii=False), number=n)
    return encode, median_time(partial(json.loads, text), number=n)


def main() -> None:
    rows = []
    for name, value in PAYLOADS.items():
        json_encode, json_decode = _plain_json(value)
        size = len(json.dumps(value, separators=(",", ":")))
        rows.append([name, "plain json", size, json_encode * 1e6, json_decode * 1e6, 1.0, 1.0])
        for encoding, converter in CONVERTERS.items():
            blob = converter.encode_blob(value)
            assert converter.decode(blob) == value
            n = _number(len(blob))
            enc = median_time(partial(converter.encode_blob, value), number=n)
            dec = median_time(partial(converter.decode, blob), number=n)
            rows.append(
                [name, encoding, len(blob), enc * 1e6, dec * 1e6, enc / json_encode, dec / json_decode]
            )
    print_table(
        "Codec cost per payload (base64 blob, conversion included; median) against plain json.dumps/loads",
        ["payload", "encoding", "bytes", "encode us", "decode us", "encode / json", "decode / json"],
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
