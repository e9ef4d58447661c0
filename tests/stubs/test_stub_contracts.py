"""The JSON Schema contracts accept the payloads the SDK really sends and reject wrong ones."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from durable_workflow.payloads import to_json_compatible
from durable_workflow.stubs import generate

ROOT = Path(__file__).resolve().parents[2]
# jsonschema ships no type information; loaded this way it is simply `Any` to mypy.
jsonschema: Any = importlib.import_module("jsonschema")

if str(ROOT) not in sys.path:  # `examples` is imported from the repository root
    sys.path.insert(0, str(ROOT))

from examples.order_processing.models import (  # noqa: E402
    Approval,
    Order,
    OrderLine,
    OrderResult,
    OrderStage,
    OrderStatus,
    PaymentReceipt,
    Reservation,
)


@pytest.fixture(scope="module")
def orders() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (ROOT / "stubs" / "examples_order_processing_workflows.schema.json").read_text(encoding="utf-8")
    )
    return document


def wire(*values: Any) -> list[Any]:
    """Arguments exactly as the client puts them on the wire (before the codec frames them)."""
    return [to_json_compatible(value) for value in values]


def errors(schema: dict[str, Any], instance: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return [error.message for error in validator.iter_errors(instance)]


ORDER = Order(
    order_id="A-1",
    customer_email="ada@example.com",
    lines=[OrderLine(sku="mug", quantity=2, unit_price_cents=1250)],
    card_token="tok_visa",
    shipping_address="1 Analytical Way",
)


def test_every_schema_is_a_valid_draft_2020_12_schema(orders: dict[str, Any]) -> None:
    def walk(entry: dict[str, Any]) -> None:
        for key, value in entry.items():
            if key in ("input", "result"):
                jsonschema.Draft202012Validator.check_schema(value)
                assert value["$schema"] == "https://json-schema.org/draft/2020-12/schema"
            elif isinstance(value, dict):
                walk(value)

    walk(orders["workflows"])
    walk(orders["activities"])
    assert set(orders["activities"]) == {
        "charge_payment",
        "create_shipment",
        "release_inventory",
        "reserve_inventory",
        "send_confirmation",
    }


def test_workflow_payloads_validate(orders: dict[str, Any]) -> None:
    workflow = orders["workflows"]["order-processing"]
    assert errors(workflow["input"], wire(ORDER)) == []
    assert errors(workflow["input"], wire(ORDER, 60)) == []
    result = OrderResult(order_id="A-1", status=OrderStatus.CANCELLED, reason="payment failed")
    assert errors(workflow["result"], wire(result)[0]) == []
    assert errors(workflow["signals"]["approve"]["input"], wire(Approval(approved=True, approver="g"))) == []
    assert errors(workflow["queries"]["stage"]["input"], []) == []
    assert errors(workflow["queries"]["stage"]["result"], wire(OrderStage.CHARGING)[0]) == []
    assert workflow["updates"] == {}


def test_activity_payloads_validate(orders: dict[str, Any]) -> None:
    charge = orders["activities"]["charge_payment"]
    reservation = Reservation(reservation_id="res-A-1", order_id="A-1")
    assert errors(charge["input"], wire(ORDER, reservation)) == []
    receipt = PaymentReceipt(payment_id="pay-1", amount_cents=2500, attempts=1)
    assert errors(charge["result"], wire(receipt)[0]) == []
    assert errors(orders["activities"]["release_inventory"]["result"], None) == []


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        ([], "should be non-empty"),
        ([{"order_id": "A-1"}], "'customer_email' is a required property"),
        ([{**to_json_compatible(ORDER), "lines": []}], "should be non-empty"),
        (
            [{**to_json_compatible(ORDER), "lines": [{"sku": "mug", "quantity": 0, "unit_price_cents": 1}]}],
            "0 is less",
        ),
        ([to_json_compatible(ORDER), "soon"], "'soon' is not of type 'number'"),
        ([to_json_compatible(ORDER), 60, "extra"], "is too long"),
    ],
)
def test_wrong_workflow_input_is_rejected(
    orders: dict[str, Any], arguments: list[Any], complaint: str
) -> None:
    found = errors(orders["workflows"]["order-processing"]["input"], arguments)
    assert any(complaint in message for message in found), found


def test_wrong_results_are_rejected(orders: dict[str, Any]) -> None:
    workflow = orders["workflows"]["order-processing"]
    assert errors(workflow["result"], {"order_id": "A-1", "status": "lost"})
    assert errors(workflow["queries"]["stage"]["result"], "teleporting")


def test_variadic_and_optional_arguments(tmp_path: Path) -> None:
    generate("sampleapp.workflows", tmp_path)
    document = json.loads((tmp_path / "sampleapp_workflows.schema.json").read_text(encoding="utf-8"))
    notify = document["activities"]["notify"]["input"]
    ticket = {"ticket_id": "t", "title": "x"}
    assert errors(notify, [ticket, {"name": "ada"}]) == []
    assert errors(notify, [ticket, {"name": "ada"}, "a", "b"]) == []
    assert errors(notify, [ticket, {"name": "ada"}, 3])
    assert [item["title"] for item in notify["prefixItems"]] == ["ticket", "who"]
    close = document["workflows"]["ticket-triage"]["signals"]["close"]["input"]
    assert errors(close, ["ada"]) == [] and errors(close, ["ada", "duplicate"]) == []
    assert errors(close, ["ada", "later"])
    summary = document["workflows"]["ticket-triage"]["result"]
    assert summary["required"] == ["ticket_id", "comments"]
