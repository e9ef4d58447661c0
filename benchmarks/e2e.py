"""End-to-end greeter throughput through one SDK worker, and the same requests sent with raw httpx.

The dev server runs in its own process (the machine's second core); the users and the worker
share this process. Each of ``concurrency`` users starts a workflow and waits for its result
(``handle.result()``, or the same describe polling by hand), so latency is what a caller sees.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from benchmarks._common import CP, WP, ServerProcess, percentile, print_table, server_process
from benchmarks._greeter import GreeterWorkflow, expected, greet
from durable_workflow import Client, Worker
from durable_workflow.payloads import DEFAULT_CONVERTER

__all__ = ["RunResult", "TaskCounter", "main", "raw_run", "sdk_run", "worker_cpu"]

CONCURRENCY = (1, 4, 16)
WORKFLOWS = 150


class TaskCounter:
    """A metrics recorder that wakes a waiter once enough worker tasks have completed."""

    def __init__(self) -> None:
        self.completed = 0
        self.target = 0
        self.done = asyncio.Event()

    def increment(self, name: str, value: float = 1.0, tags: dict[str, str] | None = None) -> None:
        if name == "durable_workflow_worker_tasks" and tags and tags.get("outcome") == "completed":
            self.completed += 1
            if self.target and self.completed >= self.target:
                self.done.set()

    def record(self, name: str, value: float, tags: dict[str, str] | None = None) -> None:
        return None

    async def wait_for(self, target: int, timeout: float = 120.0) -> None:
        self.target = target
        if self.completed >= target:
            return
        await asyncio.wait_for(self.done.wait(), timeout)


@dataclass
class RunResult:
    wall: float
    cpu: float
    server_cpu: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall


async def _bounded(concurrency: int, jobs: list[Callable[[], Awaitable[Any]]]) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(job: Callable[[], Awaitable[Any]]) -> None:
        async with gate:
            await job()

    await asyncio.gather(*(one(job) for job in jobs))


async def _closed_loop(
    concurrency: int, ids: list[str], one: Callable[[str], Awaitable[Any]]
) -> tuple[float, list[float]]:
    """``concurrency`` users, each starting a workflow and waiting for its result, until ``ids`` run out."""
    pending = list(reversed(ids))
    latencies: list[float] = []

    async def user() -> None:
        while pending:
            workflow_id = pending.pop()
            began = time.perf_counter()
            result = await one(workflow_id)
            latencies.append(time.perf_counter() - began)
            if result != expected(workflow_id):
                raise AssertionError(f"{workflow_id}: wrong result {result!r}")

    began = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(concurrency)))
    return time.perf_counter() - began, latencies


def _greeter_worker(client: Client, queue: str, concurrency: int, cache_size: int = 1000) -> Worker:
    return Worker(
        client,
        task_queue=queue,
        workflows=[GreeterWorkflow],
        activities=[greet],
        max_concurrent_workflow_tasks=concurrency,
        max_concurrent_activity_tasks=concurrency,
        poll_timeout=1,
        shutdown_timeout=5,
        workflow_cache_size=cache_size,
    )


async def sdk_run(server: ServerProcess, n: int, concurrency: int, queue: str) -> RunResult:
    """N greeters through the SDK: ``concurrency`` users each doing start -> ``handle.result()``."""
    ids = [f"{queue}-{i}" for i in range(n)]
    async with Client(server.base_url) as client, _greeter_worker(client, queue, concurrency):

        async def one(workflow_id: str) -> Any:
            handle = await client.start_workflow("greeter", queue, workflow_id, [workflow_id])
            return await handle.result(timeout=60)

        cpu0, server0 = time.process_time(), server.cpu_seconds()
        wall, latencies = await _closed_loop(concurrency, ids, one)
        cpu, server_cpu = time.process_time() - cpu0, server.cpu_seconds() - server0
    return RunResult(wall, cpu, server_cpu, latencies)


async def worker_cpu(server: ServerProcess, n: int, queue: str, cache_size: int) -> float:
    """Worker-process CPU seconds per task (workflow and activity) for ``n`` pre-started greeters."""
    async with httpx.AsyncClient(base_url=server.base_url, headers=CP) as http:
        for i in range(n):
            await _raw_start(http, f"{queue}-{i}", queue)
    counter = TaskCounter()
    async with Client(server.base_url, metrics=counter) as client:
        worker = _greeter_worker(client, queue, 16, cache_size)
        async with worker:
            cpu0 = time.process_time()
            await counter.wait_for(3 * n)  # two workflow tasks and one activity task per run
            cpu = time.process_time() - cpu0
    return cpu / (3 * n)


async def _raw_start(http: httpx.AsyncClient, workflow_id: str, queue: str) -> None:
    body = {
        "workflow_id": workflow_id,
        "workflow_type": "greeter",
        "task_queue": queue,
        "input": DEFAULT_CONVERTER.envelope([workflow_id]),
        "execution_timeout_seconds": 3600,
        "run_timeout_seconds": 600,
    }
    response = await http.post("/api/workflows", json=body, headers=CP)
    if response.status_code != 201:
        raise AssertionError(response.text)


async def _raw_result(http: httpx.AsyncClient, workflow_id: str) -> Any:
    """Poll describe with the SDK's backoff (20 ms, x1.5, at most 0.5 s) until the run closes."""
    delay = 0.02
    while True:
        body = (await http.get(f"/api/workflows/{workflow_id}", headers=CP)).json()
        if body.get("is_terminal"):
            return DEFAULT_CONVERTER.decode(body.get("output_envelope") or body.get("output"))
        await asyncio.sleep(delay)
        delay = min(delay * 1.5, 0.5)


class RawWorker:
    """The SDK worker's request sequence with nothing but httpx: one poller per kind, bounded tasks."""

    def __init__(self, http: httpx.AsyncClient, queue: str, concurrency: int, target: int) -> None:
        self.http, self.queue, self.concurrency = http, queue, concurrency
        self.worker_id = f"raw-{queue}"
        self.remaining = target
        self.done = asyncio.Event()

    async def post(self, path: str, body: Mapping[str, Any]) -> Any:
        response = await self.http.post(path, json=body, headers=WP)
        if response.status_code >= 300:
            raise AssertionError(f"{path}: {response.status_code} {response.text}")
        return response.json()

    async def poll_loop(self, kind: str, handle: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        slots = asyncio.Semaphore(self.concurrency)
        tasks: set[asyncio.Task[None]] = set()
        while not self.done.is_set():
            await slots.acquire()
            body = {"worker_id": self.worker_id, "task_queue": self.queue, "timeout_seconds": 1}
            task = (await self.post(f"/api/worker/{kind}-tasks/poll", body))["task"]
            if task is None:
                slots.release()
                continue
            running = asyncio.create_task(self._run(handle, task, slots))
            tasks.add(running)
            running.add_done_callback(tasks.discard)

    async def _run(
        self, handle: Callable[[dict[str, Any]], Awaitable[None]], task: dict[str, Any], slots: Any
    ) -> None:
        try:
            await handle(task)
        finally:
            slots.release()
            self.remaining -= 1
            if self.remaining <= 0:
                self.done.set()

    async def workflow_task(self, task: dict[str, Any]) -> None:
        done = [e for e in task["history_events"] if e["event_type"] == "ActivityCompleted"]
        if done:
            result = {"codec": "avro", "blob": done[0]["payload"]["result"]}
            command: dict[str, Any] = {"type": "complete_workflow", "result": result}
        else:
            command = {
                "type": "schedule_activity",
                "activity_type": "greet",
                "queue": self.queue,
                "start_to_close_timeout": 30,
                "arguments": task["arguments"],
            }
        body = {
            "lease_owner": task["lease_owner"],
            "workflow_task_attempt": task["workflow_task_attempt"],
            "commands": [command],
        }
        await self.post(f"/api/worker/workflow-tasks/{task['task_id']}/complete", body)

    async def activity_task(self, task: dict[str, Any]) -> None:
        (name,) = DEFAULT_CONVERTER.decode(task["arguments"])
        body = {
            "activity_attempt_id": task["activity_attempt_id"],
            "lease_owner": task["lease_owner"],
            "result": DEFAULT_CONVERTER.envelope(expected(name)),
        }
        await self.post(f"/api/worker/activity-tasks/{task['task_id']}/complete", body)


async def raw_run(server: ServerProcess, n: int, concurrency: int, queue: str) -> RunResult:
    """The same greeters and request sequence, hand-written against the HTTP API."""
    ids = [f"{queue}-{i}" for i in range(n)]
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=30) as http:
        raw = RawWorker(http, queue, concurrency, 3 * n)
        register = {"worker_id": raw.worker_id, "task_queue": queue, "runtime": "python"}
        await raw.post("/api/worker/register", register)
        loops = [
            asyncio.create_task(raw.poll_loop("workflow", raw.workflow_task)),
            asyncio.create_task(raw.poll_loop("activity", raw.activity_task)),
        ]

        async def one(workflow_id: str) -> Any:
            await _raw_start(http, workflow_id, queue)
            return await _raw_result(http, workflow_id)

        cpu0, server0 = time.process_time(), server.cpu_seconds()
        wall, latencies = await _closed_loop(concurrency, ids, one)
        cpu, server_cpu = time.process_time() - cpu0, server.cpu_seconds() - server0
        raw.done.set()
        for loop in loops:
            loop.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
    return RunResult(wall, cpu, server_cpu, latencies)


async def main(workflows: int = WORKFLOWS, concurrency: tuple[int, ...] = CONCURRENCY) -> None:
    rows: list[list[Any]] = []
    async with server_process() as server:
        await sdk_run(server, 20, 4, "warmup-sdk")
        await raw_run(server, 20, 4, "warmup-raw")
        for c in concurrency:
            sdk = await sdk_run(server, workflows, c, f"sdk-c{c}")
            raw = await raw_run(server, workflows, c, f"raw-c{c}")
            for label, r in (("sdk", sdk), ("raw httpx", raw)):
                p50, p99 = percentile(r.latencies, 50) * 1000, percentile(r.latencies, 99) * 1000
                rows.append(
                    [
                        c,
                        label,
                        workflows,
                        r.rate,
                        p50,
                        p99,
                        r.cpu / workflows * 1000,
                        r.server_cpu / workflows * 1000,
                    ]
                )
            rows.append(
                [
                    c,
                    "sdk / raw",
                    "",
                    sdk.rate / raw.rate,
                    "",
                    "",
                    sdk.cpu / raw.cpu,
                    sdk.server_cpu / raw.server_cpu,
                ]
            )
        print_table(
            "End-to-end greeter (start -> activity -> result()), closed loop: <concurrency> users, "
            "one worker with <concurrency> slots per kind; server in a subprocess, loopback HTTP",
            [
                "concurrency",
                "driver",
                "workflows",
                "workflows/s",
                "p50 ms",
                "p99 ms",
                "client CPU ms/wf",
                "server CPU ms/wf",
            ],
            rows,
        )
        cpu_rows = []
        for cache_size in (1000, 0):
            per_task = [
                await worker_cpu(server, workflows, f"cpu-{cache_size}-{i}", cache_size) for i in range(3)
            ]
            cpu_rows.append(["on" if cache_size else "off", 3 * workflows, statistics.median(per_task) * 1e6])
        print_table(
            "Worker CPU per task (process CPU time / tasks; greeters pre-started, 16 slots per kind)",
            ["instance cache", "tasks", "CPU us/task"],
            cpu_rows,
        )
