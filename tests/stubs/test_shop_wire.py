"""The shop run for real: aliased models through a workflow and activities, a plain-dict client
that follows the contract, and every payload on the wire checked against the generated contract."""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from durable_workflow import Client, WorkflowHandle
from durable_workflow.errors import PayloadError
from durable_workflow.payloads import DEFAULT_CONVERTER, from_json_compatible, to_json_compatible
from durable_workflow.stubs import generate
from durable_workflow.worker import Worker

# The shop package is found through this test directory, so to mypy these are simply `Any`.
shop: Any = importlib.import_module("shop.workflows")
models: Any = importlib.import_module("shop.models")
Address, Card, Customer, LineItem = models.Address, models.Card, models.Customer, models.LineItem
OrderSummary, Page, Transfer = models.OrderSummary, models.Page, models.Transfer

QUEUE = "shop"
ACTIVITIES = [shop.price_lines, shop.charge, shop.ship]


@pytest.fixture(scope="module")
def contract(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("shop-contract")
    generate("shop.workflows", out)
    document: dict[str, Any] = json.loads((out / "shop_workflows.schema.json").read_text("utf-8"))
    return document


@pytest.fixture
def generated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    generate("shop.workflows", tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "shop_workflows", raising=False)
    import shop_workflows  # type: ignore[import-not-found]

    yield shop_workflows


def valid(schema: dict[str, Any], value: Any) -> bool:
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True).is_valid(value)


def problems(schema: dict[str, Any], value: Any) -> list[str]:
    validator = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    return [error.message for error in validator.iter_errors(value)]


CUSTOMER = Customer(
    customer_id=uuid.UUID("12345678-1234-5678-1234-567812345678"),
    address=Address(street_line="1 Main", postCode="1234", care_of="Ada"),
    payment=Card(token="tok"),
)
LINES = [LineItem(sku="mug", quantity=2, unit_price=Decimal("1.25"))]


async def wait_for_approval_wait(handle: WorkflowHandle[Any]) -> None:
    for _ in range(200):
        if any(e.get("event_type") == "ConditionWaitOpened" for e in await handle.history()):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the workflow never reached its approval wait")


async def test_aliased_models_round_trip_through_the_workflow_and_activities(
    client: Client, generated: Any, contract: dict[str, Any]
) -> None:
    stub: Any = client.workflow(generated.ShopWorkflow, workflow_id="shop-1", task_queue=QUEUE)
    handle = await stub.start("shop-1", CUSTOMER, LINES, express=True)
    async with Worker(client, task_queue=QUEUE, workflows=[shop.ShopWorkflow], activities=ACTIVITIES):
        await wait_for_approval_wait(handle)
        history_page = await handle.query(shop.ShopWorkflow.history, cursor="c-1")
        assert history_page == Page[OrderSummary](items=[], next_cursor="c-1")
        queries = {"history": to_json_compatible(history_page)}
        noted = await handle.update(shop.ShopWorkflow.add_note, "fragile")
        assert noted.result == 2
        await handle.signal(shop.ShopWorkflow.approve, "grace")
        receipt = await handle.result(timeout=30)

    assert type(receipt).__name__ == "Receipt" and receipt.charged == Decimal("2.50")
    assert receipt.tracking == "TRK-1234-X-co-Ada"  # the optional aliased field reached the activity
    assert receipt.ship_to == CUSTOMER.address  # alias generator + computed field + extra="forbid"
    assert receipt.payment == Card(token="tok")
    assert receipt.notes == ["card:2.50:EUR", "fragile", "approved by grace"]
    checked = check_history_against_contract(
        await handle.history(), contract["workflows"]["shop-order"], contract
    )
    assert checked >= 9
    entry = contract["workflows"]["shop-order"]["queries"]["history"]["result"]
    assert valid(entry, queries["history"])


def check_history_against_contract(
    events: list[dict[str, Any]], workflow: dict[str, Any], contract: dict[str, Any]
) -> int:
    """Validate every payload in a run's history against its contract; returns how many."""
    checked = 0
    for event in events:
        kind, payload = event["event_type"], event.get("payload") or {}
        schema = _schema_of(kind, payload, workflow, contract)
        if schema is None:
            continue
        key = next(k for k in ("input", "arguments", "result", "output") if payload.get(k) is not None)
        value = DEFAULT_CONVERTER.decode(payload[key], default_codec=payload.get("payload_codec") or "avro")
        errors = problems(schema, value)
        assert not errors, f"{kind} payload {value!r} breaks its contract: {errors}"
        checked += 1
    return checked


def _schema_of(
    kind: str, payload: dict[str, Any], workflow: dict[str, Any], contract: dict[str, Any]
) -> dict[str, Any] | None:
    activity = contract["activities"].get(payload.get("activity_type") or "")
    table: dict[str, Any] = {
        "WorkflowStarted": workflow["input"],
        "WorkflowCompleted": workflow["result"],
        "ActivityScheduled": activity and activity["input"],
        "ActivityCompleted": activity and activity["result"],
        "SignalReceived": workflow["signals"].get(payload.get("signal_name"), {}).get("input"),
        "UpdateAccepted": workflow["updates"].get(payload.get("update_name"), {}).get("input"),
        "UpdateApplied": workflow["updates"].get(payload.get("update_name"), {}).get("input"),
        "UpdateCompleted": workflow["updates"].get(payload.get("update_name"), {}).get("result"),
    }
    has_payload = any(payload.get(k) is not None for k in ("input", "arguments", "result", "output"))
    schema: dict[str, Any] | None = table.get(kind)
    return schema if has_payload else None


async def test_a_plain_dict_client_following_the_contract_is_understood(
    client: Client, contract: dict[str, Any]
) -> None:
    """What a PHP client writes from the schema alone: camelCase keys, decimal strings, no models."""
    arguments = [
        "shop-2",
        {
            "customer_id": "12345678123456781234567812345678",
            "tier": "gold",
            "address": {"streetLine": "2 Side", "postCode": "9876", "careOf": None},
            "payment": {"method": "transfer", "iban": "DE00"},
        },
        [{"sku": "tea", "quantity": 3, "unit_price": "0.50"}, {"sku": "pot", "quantity": 1, "unit_price": 4}],
        "0.25",
    ]
    entry = contract["workflows"]["shop-order"]
    assert not problems(entry["input"], arguments)
    handle = await client.start_workflow("shop-order", QUEUE, "shop-2", arguments)
    async with Worker(client, task_queue=QUEUE, workflows=[shop.ShopWorkflow], activities=ACTIVITIES):
        await wait_for_approval_wait(handle)
        await handle.signal("approve", ["php-admin", True])
        result = await handle.result(timeout=30)
    assert not problems(entry["result"], result)
    assert result["orderId"] == "shop-2" and result["charged"] == "5.25"
    assert result["trackingNumber"] == "TRK-9876-S"
    assert result["ship_to"] == {"streetLine": "2 Side", "postCode": "9876", "careOf": None}
    assert result["payment"] == {"method": "transfer", "iban": "DE00"}
    typed = from_json_compatible(result, shop.Receipt)
    assert isinstance(typed.payment, Transfer)


# Values around the edges of what the contract and the converter take, per payload type.
EDGES: list[tuple[Any, list[Any]]] = [
    (
        Decimal,
        [
            "1.5",
            " 1.5 ",
            "+1.5",
            "-.5",
            "5.",
            "1e5",
            "1_000",
            "NaN",
            "Infinity",
            "abc",
            "",
            "1__0",
            "_1",
            "1._5",
            ".5_",
            "1e1_0",
            "1.5\n",
            "0x10",
            "1,5",
            "+",
            ".",
            "1e",
            1.5,
            3,
            True,
            None,
            [],
            {},
        ],
    ),
    (
        datetime,
        [
            "2020-01-01",
            "2020-01-01T10:00",
            "2020-01-01 10:00:00",
            "2020-01-01T10:00:00Z",
            "2020-01-01t10:00:00z",
            "2020-01-01T10:00:00+0100",
            "2020-01-01T10:00:00.123+01:00",
            "1700000000",
            1700000000,
            1.5,
            "2020-01-01T10",
            "yesterday",
            "",
            None,
            True,
        ],
    ),
    (
        uuid.UUID,
        [
            "12345678-1234-5678-1234-567812345678",
            "12345678123456781234567812345678",
            "urn:uuid:12345678-1234-5678-1234-567812345678",
            "{12345678-1234-5678-1234-567812345678}",
            "1234",
            "",
            5,
            None,
        ],
    ),
    (
        Address,
        [
            {"streetLine": "a", "postCode": "1"},
            {"street_line": "a", "postCode": "1"},
            {"streetLine": "a", "postal_code": "1"},
            {"streetLine": "a", "postCode": "1", "label": "x"},
            {"streetLine": "a", "postCode": "1", "careOf": None},
            {"streetLine": "a"},
            "a",
            None,
        ],
    ),
]


# A model with `populate_by_name=True` accepts its field names too; the contract shows only aliases.
NAME_KEYED = [{"street_line": "a", "postCode": "1"}, {"streetLine": "a", "postal_code": "1"}]


@pytest.mark.parametrize(("annotation", "values"), EDGES, ids=lambda x: getattr(x, "__name__", ""))
def test_contract_and_converter_agree(annotation: Any, values: list[Any]) -> None:
    from durable_workflow.stubs._schema import result_schema

    schema = result_schema(annotation, "edge")
    for value in values:
        try:
            from_json_compatible(value, annotation)
            accepted = True
        except PayloadError:
            accepted = False
        if value in NAME_KEYED:  # populate_by_name: pydantic also takes field names (documented)
            assert accepted and not valid(schema, value)
            continue
        assert valid(schema, value) == accepted, f"{annotation.__name__} {value!r}: converter {accepted}"
