"""The quickstart greeter, typed, end to end against the embedded dev server.

python examples/greeter.py                      # starts a dev server in-process
python examples/greeter.py http://localhost:8080  # or uses a running server
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import uuid
from collections.abc import Generator
from typing import Any

from durable_workflow import Client, Worker, WorkflowContext, activity, workflow


@activity.defn(name="greet")
async def greet(name: str) -> dict[str, Any]:
    return {"greeting": f"Hello, {name}!", "length": len(name)}


@workflow.defn(name="greeter")
class GreeterWorkflow:
    def run(self, ctx: WorkflowContext, name: str) -> Generator[Any, Any, dict[str, Any]]:
        result = yield from ctx.activity(greet, start_to_close_timeout=30)(name)
        return result


async def main(server_url: str | None = None) -> dict[str, Any]:
    async with contextlib.AsyncExitStack() as stack:
        if server_url is None:
            from durable_workflow.server import DevServer

            server = await stack.enter_async_context(DevServer(port=0))
            server_url = server.base_url
            workflow_id = "greeting-1"
        else:
            workflow_id = f"greeting-{uuid.uuid4().hex[:8]}"  # a shared server may have run this before
        client = await stack.enter_async_context(Client(server_url))
        stub = client.workflow(GreeterWorkflow, workflow_id=workflow_id, task_queue="default")
        handle = await stub.start("world")
        worker = Worker(client, task_queue="default", workflows=[GreeterWorkflow], activities=[greet])
        await worker.run_until(workflow_id=workflow_id, timeout=30.0)
        return await handle.result(timeout=10.0)


if __name__ == "__main__":
    print(asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else None)))
