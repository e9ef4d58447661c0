"""Plain-httpx drivers for the dev-server tests (no SDK code involved)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from durable_workflow.server import DevServer

CP = {"X-Durable-Workflow-Control-Plane-Version": "2", "Content-Type": "application/json"}
WP = {"X-Durable-Workflow-Protocol-Version": "1.1", "Content-Type": "application/json"}


def blob(value: Any) -> str:
    """Encode a value with the Avro generic wrapper (written here independently of the server)."""
    text = json.dumps(value, separators=(",", ":")).encode()

    def zz(n: int) -> bytes:
        n = (n << 1) ^ (n >> 63)
        out = bytearray()
        while n > 0x7F:
            out.append((n & 0x7F) | 0x80)
            n >>= 7
        out.append(n)
        return bytes(out)

    return base64.b64encode(b"\x00" + zz(len(text)) + text + b"\x02").decode()


def unblob(data: str) -> Any:
    raw = base64.b64decode(data)
    assert raw[0] == 0
    pos, shift, n = 1, 0, 0
    while True:
        b = raw[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            break
    length = (n >> 1) ^ -(n & 1)
    return json.loads(raw[pos : pos + length])


def env(value: Any) -> dict[str, str]:
    return {"codec": "avro", "blob": blob(value)}


@dataclass
class Api:
    """A control-plane and a worker-plane client on one server."""

    server: DevServer
    control: httpx.AsyncClient
    worker: httpx.AsyncClient
    registered: set[tuple[str, str]] = field(default_factory=set)

    async def start(
        self,
        workflow_id: str,
        workflow_type: str = "greeter",
        args: list[Any] | None = None,
        queue: str = "q",
        **extra: Any,
    ) -> dict[str, Any]:
        body = {
            "workflow_id": workflow_id,
            "workflow_type": workflow_type,
            "task_queue": queue,
            "input": env(args or []),
            **extra,
        }
        resp = await self.control.post("/api/workflows", json=body)
        assert resp.status_code in (200, 201), resp.text
        out: dict[str, Any] = resp.json()
        return out

    async def register(self, worker_id: str = "w1", queue: str = "q", **extra: Any) -> None:
        body = {"worker_id": worker_id, "task_queue": queue, "runtime": "python", **extra}
        resp = await self.worker.post("/api/worker/register", json=body)
        assert resp.status_code == 201, resp.text
        self.registered.add((worker_id, queue))

    async def _poll(self, kind: str, worker_id: str, queue: str, timeout: int) -> dict[str, Any] | None:
        if (worker_id, queue) not in self.registered:
            await self.register(worker_id, queue)
        body = {"worker_id": worker_id, "task_queue": queue, "timeout_seconds": timeout}
        resp = await self.worker.post(f"/api/worker/{kind}-tasks/poll", json=body)
        assert resp.status_code == 200, resp.text
        task: dict[str, Any] | None = resp.json()["task"]
        return task

    async def wf_task(self, worker_id: str = "w1", queue: str = "q", timeout: int = 2) -> dict[str, Any]:
        task = await self._poll("workflow", worker_id, queue, timeout)
        assert task is not None, "expected a workflow task"
        return task

    async def no_wf_task(self, worker_id: str = "w1", queue: str = "q") -> None:
        assert await self._poll("workflow", worker_id, queue, 0) is None

    async def act_task(self, worker_id: str = "w1", queue: str = "q", timeout: int = 2) -> dict[str, Any]:
        task = await self._poll("activity", worker_id, queue, timeout)
        assert task is not None, "expected an activity task"
        return task

    async def no_act_task(self, worker_id: str = "w1", queue: str = "q") -> None:
        assert await self._poll("activity", worker_id, queue, 0) is None

    async def complete(
        self, task: dict[str, Any], commands: list[dict[str, Any]], expect: int = 200
    ) -> dict[str, Any]:
        body = {
            "lease_owner": task["lease_owner"],
            "workflow_task_attempt": task["workflow_task_attempt"],
            "commands": commands,
        }
        resp = await self.worker.post(f"/api/worker/workflow-tasks/{task['task_id']}/complete", json=body)
        assert resp.status_code == expect, resp.text
        out: dict[str, Any] = resp.json()
        return out

    async def act_complete(self, task: dict[str, Any], value: Any, expect: int = 200) -> dict[str, Any]:
        body = {
            "activity_attempt_id": task["activity_attempt_id"],
            "lease_owner": task["lease_owner"],
            "result": env(value),
        }
        resp = await self.worker.post(f"/api/worker/activity-tasks/{task['task_id']}/complete", json=body)
        assert resp.status_code == expect, resp.text
        out: dict[str, Any] = resp.json()
        return out

    async def act_fail(
        self, task: dict[str, Any], failure: dict[str, Any], expect: int = 200
    ) -> dict[str, Any]:
        body = {
            "activity_attempt_id": task["activity_attempt_id"],
            "lease_owner": task["lease_owner"],
            "failure": failure,
        }
        resp = await self.worker.post(f"/api/worker/activity-tasks/{task['task_id']}/fail", json=body)
        assert resp.status_code == expect, resp.text
        out: dict[str, Any] = resp.json()
        return out

    async def describe(self, workflow_id: str) -> dict[str, Any]:
        resp = await self.control.get(f"/api/workflows/{workflow_id}")
        assert resp.status_code == 200, resp.text
        out: dict[str, Any] = resp.json()
        return out

    async def history(self, workflow_id: str, run_id: str | None = None) -> list[dict[str, Any]]:
        run_id = run_id or (await self.describe(workflow_id))["run_id"]
        resp = await self.control.get(f"/api/workflows/{workflow_id}/runs/{run_id}/history")
        assert resp.status_code == 200, resp.text
        events: list[dict[str, Any]] = resp.json()["events"]
        return events

    async def types(self, workflow_id: str, run_id: str | None = None) -> list[str]:
        return [e["event_type"] for e in await self.history(workflow_id, run_id)]


def activity(name: str = "greet", args: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "type": "schedule_activity",
        "activity_type": name,
        "queue": "q",
        "arguments": env(args or []),
        **extra,
    }


def complete_wf(value: Any) -> dict[str, Any]:
    return {"type": "complete_workflow", "result": env(value)}


def events_of(history: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [e for e in history if e["event_type"] == event_type]
