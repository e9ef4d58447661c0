"""Type-checked only (mypy strict): what the client's typing must infer, and what it must reject."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from pydantic import BaseModel
from typing_extensions import assert_type

from durable_workflow import (
    Client,
    UpdateResult,
    WorkflowContext,
    WorkflowExecution,
    WorkflowHandle,
    sync,
    workflow,
)


class Order(BaseModel):
    order_id: str
    amount: float


class Receipt(BaseModel):
    order_id: str
    charged: float


@workflow.defn(name="checkout")
class CheckoutWorkflow:
    def run(self, ctx: WorkflowContext, order: Order, express: bool = False) -> Generator[Any, Any, Receipt]:
        yield ctx.start_timer(1)
        return Receipt(order_id=order.order_id, charged=order.amount)


async def typed_stubs(client: Client) -> None:
    stub = client.workflow(CheckoutWorkflow, workflow_id="o-1", task_queue="q")
    handle = await stub.start(Order(order_id="o-1", amount=3.0))
    assert_type(handle, WorkflowHandle[Receipt])
    assert_type(await handle.result(), Receipt)
    assert_type(await stub.execute(Order(order_id="o-1", amount=3.0), express=True), Receipt)

    await stub.start("not an order")  # type: ignore[arg-type]
    await stub.start(Order(order_id="o", amount=1.0), express="yes")  # type: ignore[arg-type]
    await stub.start()  # type: ignore[call-arg]


async def typed_handles(client: Client) -> None:
    untyped = client.get_workflow_handle("o-1")
    assert_type(untyped, WorkflowHandle[Any])
    typed = client.get_workflow_handle("o-1", result_type=Receipt)
    assert_type(typed, WorkflowHandle[Receipt])
    assert_type(await typed.result(timeout=5), Receipt)
    assert_type(await typed.describe(), WorkflowExecution)
    assert_type(await client.update_workflow("o-1", "approve", [1]), UpdateResult[Any])
    started = await client.start_workflow("checkout", "q", "o-2", [{"order_id": "o-2", "amount": 1}])
    assert_type(started, WorkflowHandle[Any])

    await client.start_workflow(workflow_type="checkout", task_queue="q")  # type: ignore[call-overload]
    await client.update_workflow("o-1", "approve", wait_for="whenever")  # type: ignore[arg-type]


def sync_stubs(client: sync.Client) -> None:
    stub = client.workflow(CheckoutWorkflow, workflow_id="o-1", task_queue="q")
    handle = stub.start(Order(order_id="o-1", amount=3.0))
    assert_type(handle, sync.WorkflowHandle[Receipt])
    assert_type(handle.result(), Receipt)
    assert_type(client.get_workflow_handle("x", result_type=Order).result(), Order)
    stub.start(42)  # type: ignore[arg-type]


def sync_mirrors_keep_async_signatures(client: sync.Client) -> None:
    assert_type(client.describe_workflow("x"), WorkflowExecution)
    assert_type(client.update_workflow("x", "approve", [1], wait_for="accepted"), UpdateResult[Any])
    assert_type(client.start_workflow("greeter", "q", "id-1", ["world"]), sync.WorkflowHandle[Any])
    client.update_workflow("x", "approve", wait_for="whenever")  # type: ignore[arg-type]
    client.describe_workflow(42)  # type: ignore[arg-type]
    client.start_workflow("greeter", "q")  # type: ignore[call-overload]
