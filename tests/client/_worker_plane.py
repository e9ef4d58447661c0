"""A bare worker-plane driver for client tests: completes workflow tasks with chosen commands.

It stands in for the SDK's Worker so that client behaviour is tested on its own.
"""

from __future__ import annotations

from typing import Any

from durable_workflow import Client


class BareWorker:
    def __init__(self, client: Client, task_queue: str = "q", worker_id: str = "bare-worker") -> None:
        self.client = client
        self.task_queue = task_queue
        self.worker_id = worker_id

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        return await self.client._transport.request("POST", path, plane="worker", json=body)

    async def register(self, workflow_types: list[str]) -> None:
        await self._post(
            "/worker/register",
            {
                "worker_id": self.worker_id,
                "task_queue": self.task_queue,
                "runtime": "python",
                "supported_workflow_types": workflow_types,
                "supported_activity_types": [],
            },
        )

    async def poll(self, timeout: int = 2) -> dict[str, Any]:
        body = {"worker_id": self.worker_id, "task_queue": self.task_queue, "timeout_seconds": timeout}
        answer = await self._post("/worker/workflow-tasks/poll", body)
        task = answer.get("task")
        assert isinstance(task, dict), f"no workflow task: {answer}"
        return task

    async def complete(self, task: dict[str, Any], commands: list[dict[str, Any]]) -> Any:
        body = {
            "lease_owner": self.worker_id,
            "workflow_task_attempt": task.get("workflow_task_attempt", 1),
            "commands": commands,
        }
        return await self._post(f"/worker/workflow-tasks/{task['task_id']}/complete", body)

    async def finish_with(self, commands: list[dict[str, Any]]) -> dict[str, Any]:
        task = await self.poll()
        await self.complete(task, commands)
        return task
