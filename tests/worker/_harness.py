"""An embedded dev server, a client and a running worker, for end-to-end worker tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from durable_workflow.client import Client, WorkflowHandle
from durable_workflow.server import DevServer
from durable_workflow.worker import Worker


@dataclass
class Env:
    server: DevServer
    client: Client
    worker: Worker
    task_queue: str

    async def start(
        self, workflow_type: str, *args: Any, workflow_id: str | None = None
    ) -> WorkflowHandle[Any]:
        return await self.client.start_workflow(
            workflow_type=workflow_type,
            task_queue=self.task_queue,
            workflow_id=workflow_id or f"wf-{uuid.uuid4().hex[:10]}",
            input=list(args),
        )

    async def run(self, workflow_type: str, *args: Any, timeout: float = 20.0) -> Any:
        handle = await self.start(workflow_type, *args)
        return await handle.result(timeout=timeout)


@asynccontextmanager
async def running(
    workflows: Sequence[type] = (),
    activities: Iterable[Callable[..., Any]] = (),
    *,
    task_queue: str = "q",
    server_options: dict[str, Any] | None = None,
    **worker_options: Any,
) -> AsyncIterator[Env]:
    options: dict[str, Any] = {"poll_timeout": 1.0, "shutdown_timeout": 2.0, **worker_options}
    async with DevServer(serve_http=False, **(server_options or {})) as server, connect(server) as client:
        worker = Worker(client, task_queue=task_queue, workflows=workflows, activities=activities, **options)
        async with worker:
            yield Env(server, client, worker, task_queue)


def connect(server: DevServer) -> Client:
    """A client that reaches the server in-process."""
    return Client(server.base_url, transport=server.asgi_transport())
