"""The converter: rich values to JSON-compatible data and back, with errors that name the spot."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from collections import OrderedDict
from decimal import Decimal
from typing import Annotated, Any, Literal, NamedTuple, Optional, Union

import pydantic
import pytest

from durable_workflow.errors import PayloadConversionError
from durable_workflow.payloads import (
    DEFAULT_CONVERTER,
    DataConverter,
    from_json_compatible,
    to_json_compatible,
)


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Flavor(str, enum.Enum):
    SWEET = "sweet"


class Item(pydantic.BaseModel):
    sku: str
    qty: int = 1


class Order(pydantic.BaseModel):
    id: uuid.UUID
    amount: Decimal
    placed_at: dt.datetime
    items: list[Item]
    color: Color = Color.RED
    note: Optional[str] = None  # noqa: UP045 - the Optional spelling is what is under test


@dataclasses.dataclass
class Point:
    x: float
    y: float
    label: str | None = None


@dataclasses.dataclass(frozen=True)
class Shipment:
    origin: Point
    stops: tuple[Point, ...]
    when: dt.date
    tags: frozenset[str] = frozenset()


class Pair(NamedTuple):
    left: int
    right: str


ORDER_ID = uuid.UUID("12345678-1234-5678-1234-567812345678")
PLACED = dt.datetime(2026, 7, 1, 12, 30, tzinfo=dt.timezone.utc)


def _order() -> Order:
    return Order(id=ORDER_ID, amount=Decimal("12.50"), placed_at=PLACED, items=[Item(sku="A-1", qty=2)])


def test_plain_json_data_passes_through_as_the_same_object() -> None:
    data: dict[str, Any] = {"a": [1, 2.5, "x", None, True, {"b": []}], "c": {}}
    assert to_json_compatible(data) is data
    items = [1, "two", [3]]
    assert to_json_compatible(items) is items
    for scalar in ("s", 1, 1.5, True, None, 2**70):
        assert to_json_compatible(scalar) is scalar


def test_containers_are_copied_only_where_something_changed() -> None:
    inner = {"keep": [1, 2]}
    data = {"inner": inner, "when": dt.date(2026, 1, 2), "tail": [Color.RED]}
    out = to_json_compatible(data)
    assert out == {"inner": {"keep": [1, 2]}, "when": "2026-01-02", "tail": ["red"]}
    assert out["inner"] is inner
    assert data["when"] == dt.date(2026, 1, 2)  # the input is not mutated
    assert list(out) == ["inner", "when", "tail"]  # key order kept


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Color.GREEN, "green"),
        (Priority.HIGH, 2),
        (Flavor.SWEET, "sweet"),
        (dt.datetime(2026, 7, 1, 12, 30, 5, tzinfo=dt.timezone.utc), "2026-07-01T12:30:05Z"),
        (dt.datetime(2026, 7, 1, 12, 30), "2026-07-01T12:30:00"),
        (dt.date(2026, 7, 1), "2026-07-01"),
        (dt.time(8, 15, 0, 250000), "08:15:00.250000"),
        (ORDER_ID, "12345678-1234-5678-1234-567812345678"),
        (Decimal("12.50"), "12.50"),
        ((1, "a", (2,)), [1, "a", [2]]),
        ({3, 1, 2}, [1, 2, 3]),
        (frozenset({"b", "a"}), ["a", "b"]),
        (Pair(1, "x"), [1, "x"]),
        (Point(1.0, 2.0), {"x": 1.0, "y": 2.0, "label": None}),
        (Item(sku="A"), {"sku": "A", "qty": 1}),
        ({Color.RED: 1, ORDER_ID: 2}, {"red": 1, "12345678-1234-5678-1234-567812345678": 2}),
        (OrderedDict(a=Color.RED), {"a": "red"}),
        (b"\x00\xff", b"\x00\xff"),
    ],
)
def test_to_json_compatible(value: Any, expected: Any) -> None:
    converted = to_json_compatible(value)
    assert converted == expected
    assert type(converted) is type(expected)


def test_nested_models_and_dataclasses() -> None:
    # A set inside a model or dataclass keeps pydantic's (iteration) order: use one item here.
    shipment = Shipment(Point(0, 0), (Point(1, 2, "a"),), dt.date(2026, 1, 1), frozenset({"y"}))
    assert to_json_compatible({"order": _order(), "shipment": shipment}) == {
        "order": {
            "id": str(ORDER_ID),
            "amount": "12.50",
            "placed_at": "2026-07-01T12:30:00Z",
            "items": [{"sku": "A-1", "qty": 2}],
            "color": "red",
            "note": None,
        },
        "shipment": {
            "origin": {"x": 0, "y": 0, "label": None},
            "stops": [{"x": 1, "y": 2, "label": "a"}],
            "when": "2026-01-01",
            "tags": ["y"],
        },
    }


def test_unsupported_types_are_conversion_errors() -> None:
    class Opaque:
        pass

    with pytest.raises(PayloadConversionError, match=r"cannot convert .*Opaque to JSON"):
        to_json_compatible({"x": Opaque()})


def test_rebuild_models_and_dataclasses() -> None:
    plain = to_json_compatible(_order())
    assert from_json_compatible(plain, Order) == _order()
    shipment = Shipment(Point(0, 0), (Point(1, 2, "a"),), dt.date(2026, 1, 1), frozenset({"z"}))
    assert from_json_compatible(to_json_compatible(shipment), Shipment) == shipment


@pytest.mark.parametrize(
    ("annotation", "plain", "expected"),
    [
        (Color, "green", Color.GREEN),
        (Priority, 2, Priority.HIGH),
        (dt.datetime, "2026-07-01T12:30:00Z", PLACED),
        (dt.date, "2026-07-01", dt.date(2026, 7, 1)),
        (uuid.UUID, str(ORDER_ID), ORDER_ID),
        (Decimal, "12.50", Decimal("12.50")),
        (list[Item], [{"sku": "a"}], [Item(sku="a")]),
        (dict[str, Item], {"k": {"sku": "a", "qty": 3}}, {"k": Item(sku="a", qty=3)}),
        (Optional[Item], None, None),  # noqa: UP045
        (Optional[Item], {"sku": "b"}, Item(sku="b")),  # noqa: UP045
        (Item | None, {"sku": "b"}, Item(sku="b")),
        (Union[int, str], "x", "x"),  # noqa: UP007
        (tuple[int, str], [1, "a"], (1, "a")),
        (set[int], [1, 2], {1, 2}),
        (Literal["a", "b"], "a", "a"),
        (Annotated[int, pydantic.Field(ge=0)], 3, 3),
        (float, 7, 7.0),
        (type(None), None, None),
    ],
)
def test_from_json_compatible(annotation: Any, plain: Any, expected: Any) -> None:
    assert from_json_compatible(plain, annotation) == expected


@pytest.mark.parametrize("annotation", [Any, object, dict, list])
def test_untyped_annotations_get_the_plain_value(annotation: Any) -> None:
    value = {"a": [1, {"b": "2026-01-01"}]}
    assert from_json_compatible(value, annotation) is value


def test_error_names_where_and_field() -> None:
    plain = to_json_compatible(_order())
    plain["amount"] = "lots"
    with pytest.raises(PayloadConversionError) as caught:
        from_json_compatible(plain, Order, where="activity 'charge' parameter 'order'")
    message = str(caught.value)
    assert message.startswith("activity 'charge' parameter 'order': field 'amount': ")
    assert "decimal" in message.lower()


def test_error_names_nested_fields_and_counts_extra_errors() -> None:
    with pytest.raises(PayloadConversionError) as caught:
        from_json_compatible(
            [{"sku": "a", "qty": "x"}], list[Item], where="workflow 'ship' parameter 'items'"
        )
    assert str(caught.value) == (
        "workflow 'ship' parameter 'items': field '0.qty': "
        "Input should be a valid integer, unable to parse string as an integer"
    )
    with pytest.raises(PayloadConversionError, match="and 2 more errors"):
        from_json_compatible(list(range(7)), list[str])


def test_error_without_where_or_field() -> None:
    with pytest.raises(PayloadConversionError) as caught:
        from_json_compatible("abc", float)
    assert str(caught.value).startswith("Input should be a valid number")


def test_unbuildable_annotation_is_a_conversion_error() -> None:
    class Opaque:
        pass

    with pytest.raises(PayloadConversionError, match="parameter 'x': cannot rebuild type"):
        from_json_compatible({}, Opaque, where="parameter 'x'")


@pytest.mark.parametrize("converter", [DEFAULT_CONVERTER, DataConverter(encoding="value-v1")])
def test_typed_round_trip_through_a_blob(converter: DataConverter) -> None:
    blob = converter.encode_blob(_order())
    assert from_json_compatible(converter.decode(blob), Order) == _order()


def test_local_dataclasses_convert_and_unresolvable_ones_fail_clearly() -> None:
    @dataclasses.dataclass
    class Inner:
        when: dt.date

    @dataclasses.dataclass
    class Outer:
        inner: Inner
        n: int

    assert to_json_compatible(Outer(Inner(dt.date(2026, 1, 1)), 3)) == {
        "inner": {"when": "2026-01-01"},
        "n": 3,
    }
    # Under `from __future__ import annotations`, "Inner" cannot be resolved from module globals.
    with pytest.raises(PayloadConversionError, match=r"^parameter 'o': cannot rebuild type .*Outer"):
        from_json_compatible({"inner": {"when": "2026-01-01"}, "n": 3}, Outer, where="parameter 'o'")


def test_pydantic_dataclasses_use_pydantic() -> None:
    @pydantic.dataclasses.dataclass
    class Money:
        cents: int

        @pydantic.field_serializer("cents")
        def _as_text(self, cents: int) -> str:
            return f"{cents}c"

    assert to_json_compatible(Money(5)) == {"cents": "5c"}
