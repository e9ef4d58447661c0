"""Run three orders through the order workflow and print how each one ended.

    python -m examples.order_processing.run                        # embedded dev server, in-process
    python -m examples.order_processing.run http://localhost:8080  # or a server that is already running

1. a happy-path order: the payment gateway times out once, the retry succeeds;
2. an order whose card is declined: the reservation is released (compensation), the order is cancelled;
3. a large order: it waits for a person's approval, which this script sends as a signal.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import uuid
from collections.abc import Callable
from typing import Any

from examples.order_processing.activities import (
    CARD_DECLINED,
    CARD_FLAKY,
    CARD_OK,
    WAREHOUSE,
    charge_payment,
    create_shipment,
    release_inventory,
    reserve_inventory,
    send_confirmation,
)
from examples.order_processing.models import Approval, Order, OrderLine, OrderResult, OrderStage
from examples.order_processing.workflows import OrderWorkflow

from durable_workflow import Client, Worker, WorkflowHandle

TASK_QUEUE = "orders"
ACTIVITIES: list[Callable[..., Any]] = [
    reserve_inventory,
    charge_payment,
    create_shipment,
    send_confirmation,
    release_inventory,
]


def make_order(order_id: str, card_token: str, *lines: OrderLine) -> Order:
    return Order(
        order_id=order_id,
        customer_email="ada@example.com",
        lines=list(lines),
        card_token=card_token,
        shipping_address="1 Analytical Way, London",
    )


def new_worker(client: Client) -> Worker:
    return Worker(client, task_queue=TASK_QUEUE, workflows=[OrderWorkflow], activities=ACTIVITIES)


async def start_order(client: Client, order: Order) -> WorkflowHandle[OrderResult]:
    stub = client.workflow(OrderWorkflow, workflow_id=f"order-{order.order_id}", task_queue=TASK_QUEUE)
    return await stub.start(order)


async def wait_for_stage(
    handle: WorkflowHandle[OrderResult], stage: OrderStage, timeout: float = 20.0
) -> None:
    """Poll the ``stage`` query: a worker answers it from the workflow's live state."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (current := await handle.query("stage", result_type=OrderStage)) != stage:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{handle.workflow_id} is at stage {current.value}, not {stage.value}")
        await asyncio.sleep(0.1)


async def approval_order(client: Client, order: Order) -> OrderResult:
    handle = await start_order(client, order)
    await wait_for_stage(handle, OrderStage.AWAITING_APPROVAL)
    print(f"{order.order_id}: waiting for approval; sending the approve signal")
    await handle.signal("approve", [Approval(approved=True, approver="grace", note="known customer")])
    return await handle.result(timeout=30)


async def main(server_url: str | None = None) -> dict[str, OrderResult]:
    # On a shared server earlier runs used the same ids: a per-run suffix keeps them apart.
    suffix = "" if server_url is None else f"-{uuid.uuid4().hex[:6]}"
    async with contextlib.AsyncExitStack() as stack:
        if server_url is None:
            from durable_workflow.server import DevServer

            server_url = (await stack.enter_async_context(DevServer(port=0))).base_url
        client = await stack.enter_async_context(Client(server_url))
        await stack.enter_async_context(new_worker(client))  # polls in the background until exit

        mug = OrderLine(sku="mug", quantity=2, unit_price_cents=1_250)
        teapot = OrderLine(sku="teapot", quantity=1, unit_price_cents=4_500)
        machine = OrderLine(sku="espresso-machine", quantity=1, unit_price_cents=189_900)  # needs approval
        happy = await start_order(client, make_order(f"A-100{suffix}", CARD_FLAKY, mug, teapot))
        declined = await start_order(client, make_order(f"A-101{suffix}", CARD_DECLINED, mug))
        results = {
            "happy-path": await happy.result(timeout=30),
            "payment-declined": await declined.result(timeout=30),
            "approval": await approval_order(client, make_order(f"A-102{suffix}", CARD_OK, machine)),
        }
    for label, result in results.items():
        print(f"{label}: {result.model_dump_json(exclude_none=True)}")
    # The declined order's reservation is gone: the compensation released it.
    print(f"reservations held: {sorted(WAREHOUSE.reservations)}")
    return results


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else None))
