"""Aliased models round-trip: the converter writes by alias, in pydantic's round-trip form."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, computed_field
from pydantic.alias_generators import to_camel
from pydantic.dataclasses import dataclass as pydantic_dataclass

from durable_workflow.payloads import DataConverter, from_json_compatible, to_json_compatible


class Plain(BaseModel):
    postal_code: str = Field(alias="postalCode")


class Generated(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    street_line: str
    care_of: str | None = None


class OptionalAliased(BaseModel):
    nick: str | None = Field(default=None, alias="nickName")


class Computed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    net: int
    tax: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def gross(self) -> int:
        return self.net + self.tax


@pydantic_dataclass
class AliasedDataclass:
    order_id: str = Field(alias="orderId")


@dataclass
class Holder:
    plain: Plain
    items: list[Generated]


CASES: list[tuple[Any, dict[str, Any]]] = [
    (Plain(postalCode="1234"), {"postalCode": "1234"}),
    (Generated(street_line="1 Main", care_of="Ada"), {"streetLine": "1 Main", "careOf": "Ada"}),
    (OptionalAliased(nickName="ada"), {"nickName": "ada"}),
    (Computed(net=10, tax=2), {"net": 10, "tax": 2}),
    (AliasedDataclass(orderId="o-1"), {"orderId": "o-1"}),
]


@pytest.mark.parametrize(("value", "wire"), CASES, ids=lambda v: type(v).__name__)
def test_models_are_written_by_alias_and_read_back(value: Any, wire: dict[str, Any]) -> None:
    assert to_json_compatible(value) == wire
    assert from_json_compatible(wire, type(value)) == value  # Python -> wire -> Python
    codec = DataConverter()
    assert from_json_compatible(codec.decode(codec.envelope(value)), type(value)) == value


def test_the_optional_aliased_field_is_not_lost() -> None:
    rebuilt = from_json_compatible(to_json_compatible(OptionalAliased(nickName="ada")), OptionalAliased)
    assert rebuilt.nick == "ada"


def test_nested_models_inside_plain_containers_use_their_aliases() -> None:
    holder = Holder(plain=Plain(postalCode="1"), items=[Generated(street_line="x")])
    wire = to_json_compatible({"holder": holder, "tuple": (Plain(postalCode="2"),)})
    assert wire == {
        "holder": {"plain": {"postalCode": "1"}, "items": [{"streetLine": "x", "careOf": None}]},
        "tuple": [{"postalCode": "2"}],
    }
    assert from_json_compatible(wire["holder"], Holder) == holder


@pytest.mark.parametrize("model", [Plain, Generated, OptionalAliased, Computed])
def test_what_the_schema_describes_is_what_the_wire_carries(model: type[BaseModel]) -> None:
    """A plain-dict client that follows the validation schema writes exactly the wire keys."""
    schema = TypeAdapter(model).json_schema(mode="validation")
    [(value, wire)] = [(v, w) for v, w in CASES if type(v) is model]
    assert set(wire) <= set(schema["properties"])
    assert set(schema.get("required", [])) <= set(wire)
    assert json.loads(json.dumps(wire)) == to_json_compatible(value)
