"""Plain-dict payloads, as PHP workflows and workers send them.

Nothing here is annotated, so arguments and results stay plain JSON values (dicts, lists,
strings, numbers) on both sides: exactly what a PHP workflow schedules and a PHP activity
returns. The workflow addresses its activities by type name only, so either side of the
wire could be PHP.

    python examples/interop_plain_dicts.py
"""

from __future__ import annotations

import asyncio
import contextlib
import sys

from durable_workflow import Client, Worker, activity, workflow


@activity.defn(name="inventory.reserve")
def reserve(order):  # type: ignore[no-untyped-def]  # deliberately unannotated, like PHP arrays
    lines = [{"sku": item["sku"], "reserved": item["qty"]} for item in order["items"]]
    return {"order_id": order["id"], "lines": lines}


@workflow.defn(name="orders.php-style")
class PhpStyleOrderWorkflow:
    def run(self, ctx, order):  # type: ignore[no-untyped-def]
        reservation = yield ctx.schedule_activity("inventory.reserve", [order], start_to_close_timeout=30)
        total = sum(line["reserved"] for line in reservation["lines"])
        return {"order_id": order["id"], "units": total, "reservation": reservation}


async def main(server_url: str | None = None) -> dict[str, object]:
    async with contextlib.AsyncExitStack() as stack:
        if server_url is None:
            from durable_workflow.server import DevServer

            server_url = (await stack.enter_async_context(DevServer(port=0))).base_url
        client = await stack.enter_async_context(Client(server_url))
        order = {"id": "A-17", "items": [{"sku": "mug", "qty": 2}, {"sku": "tea", "qty": 3}]}
        handle = await client.start_workflow("orders.php-style", "orders", "order-A-17", [order])
        worker = Worker(client, task_queue="orders", workflows=[PhpStyleOrderWorkflow], activities=[reserve])
        await worker.run_until(workflow_id="order-A-17", timeout=30.0)
        result: dict[str, object] = await handle.result(timeout=10.0)
        return result


if __name__ == "__main__":
    print(asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else None)))
