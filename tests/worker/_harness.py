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


async def assert_replays(handle: WorkflowHandle[Any], workflow_class: type, *args: Any) -> None:
    """Replaying the finished run's real history offline gives back exactly its recorded outcome."""
    from durable_workflow import workflow

    history = await handle.history()
    commands = workflow.replay_commands(workflow_class, list(args), history, run_id=str(handle.run_id))
    terminal = next(e for e in reversed(history) if e["event_type"].startswith("Workflow"))
    assert len(commands) == 1, commands
    if terminal["event_type"] == "WorkflowCompleted":
        assert commands[0]["type"] == "complete_workflow"
        assert commands[0]["result"]["blob"] == terminal["payload"]["output"]
    elif terminal["event_type"] == "WorkflowContinuedAsNew":
        assert commands[0]["type"] == "continue_as_new"
    else:
        assert commands[0]["type"] == "fail_workflow"
