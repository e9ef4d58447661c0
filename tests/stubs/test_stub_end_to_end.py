"""A client that knows only the committed stub drives the order example on a real worker."""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from durable_workflow.client import Client
from durable_workflow.worker import Worker

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT, ROOT / "stubs"):  # the example package, and the stubs generated from it
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from examples.order_processing import activities, workflows  # noqa: E402
from examples.order_processing.models import Approval, Order, OrderLine, OrderStage, OrderStatus  # noqa: E402

# Imported by name at run time: the generated module lives outside the type-checked tree.
generated: Any = importlib.import_module("examples_order_processing_workflows")

ACTIVITIES: list[Callable[..., Any]] = [
    activities.reserve_inventory,
    activities.charge_payment,
    activities.create_shipment,
    activities.send_confirmation,
    activities.release_inventory,
]


async def test_stub_starts_signals_and_queries_the_order_workflow(client: Client) -> None:
    order = Order(
        order_id="stub-e2e-1",
        customer_email="ada@example.com",
        lines=[OrderLine(sku="espresso-machine", quantity=1, unit_price_cents=250_000)],
        card_token=activities.CARD_OK,
        shipping_address="1 Analytical Way",
    )
    stub: Any = client.workflow(generated.OrderWorkflow, workflow_id="stub-e2e-1", task_queue="stub-e2e")
    handle = generated.OrderWorkflowHandle(await stub.start(order))
    assert handle.handle.workflow_type == "order-processing"

    worker = Worker(client, task_queue="stub-e2e", workflows=[workflows.OrderWorkflow], activities=ACTIVITIES)
    async with worker:
        for _ in range(100):
            if await handle.current_stage() is OrderStage.AWAITING_APPROVAL:
                break
            await asyncio.sleep(0.05)
        assert await handle.current_stage() is OrderStage.AWAITING_APPROVAL
        await handle.approve(Approval(approved=True, approver="grace"))
        result = await handle.result(timeout=30)

    assert result.status is OrderStatus.COMPLETED
    assert result.order_id == "stub-e2e-1" and result.tracking_number


def test_a_worker_refuses_a_stub_in_place_of_the_workflow(client: Client) -> None:
    with pytest.raises(TypeError, match="generated client stub"):
        Worker(client, task_queue="orders", workflows=[generated.OrderWorkflow])
