"""End-to-end greeter throughput through one SDK worker, and the same requests sent by bare clients.

The dev server runs in its own process (the machine's second core); the users and the worker
share this process. Each of ``concurrency`` users starts a workflow and waits for its result
(``handle.result()``, or the same history long polls by hand), so latency is what a caller sees.
The raw drivers replay the SDK's request sequence with bare httpx and bare aiohttp (the floor).
"""

from __future__ import annotations

import asyncio
import base64
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import httpx

from benchmarks._common import CP, WP, ServerProcess, percentile, print_table, server_process
from benchmarks._greeter import GreeterWorkflow, expected, greet
from durable_workflow import Client, Worker
from durable_workflow.metrics import CLIENT_REQUESTS
from durable_workflow.payloads import DEFAULT_CONVERTER

__all__ = [
    "RawHttp",
    "RunResult",
    "TaskCounter",
    "main",
    "raw_run",
    "raw_worker_cpu",
    "sdk_run",
    "worker_cpu",
]

CONCURRENCY = (1, 4, 16)
WORKFLOWS = 150


class TaskCounter:
    """A metrics recorder that wakes a waiter once enough worker tasks have completed."""

    def __init__(self) -> None:
        self.completed = 0
        self.requests = 0
        self.target = 0
        self.done = asyncio.Event()

    def increment(self, name: str, value: float = 1.0, tags: dict[str, str] | None = None) -> None:
        if name == CLIENT_REQUESTS:
            self.requests += 1
        elif name == "durable_workflow_worker_tasks" and tags and tags.get("outcome") == "completed":
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
    requests: int

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
    counter = TaskCounter()
    async with (
        Client(server.base_url, metrics=counter) as client,
        _greeter_worker(client, queue, concurrency),
    ):

        async def one(workflow_id: str) -> Any:
            handle = await client.start_workflow("greeter", queue, workflow_id, [workflow_id])
            return await handle.result(timeout=60)

        cpu0, server0, requests0 = time.process_time(), server.cpu_seconds(), counter.requests
        wall, latencies = await _closed_loop(concurrency, ids, one)
        cpu, server_cpu = time.process_time() - cpu0, server.cpu_seconds() - server0
        requests = counter.requests - requests0
    return RunResult(wall, cpu, server_cpu, latencies, requests)


async def worker_cpu(server: ServerProcess, n: int, queue: str, cache_size: int) -> float:
    """Worker-process CPU seconds per task (workflow and activity) for ``n`` pre-started greeters."""
    await _prestart(server, n, queue)
    counter = TaskCounter()
    async with Client(server.base_url, metrics=counter) as client:
        worker = _greeter_worker(client, queue, 16, cache_size)
        async with worker:
            cpu0 = time.process_time()
            await counter.wait_for(3 * n)  # two workflow tasks and one activity task per run
            cpu = time.process_time() - cpu0
    return cpu / (3 * n)


class RawHttp:
    """JSON over HTTP with one of two bare clients (httpx or aiohttp), counting requests."""

    def __init__(self, base_url: str, kind: str) -> None:
        self.base_url, self.kind, self.requests = base_url, kind, 0
        self._httpx: httpx.AsyncClient | None = None
        self._aiohttp: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> RawHttp:
        if self.kind == "httpx":
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
            self._httpx = httpx.AsyncClient(base_url=self.base_url, limits=limits, timeout=30)
        else:
            self._aiohttp = aiohttp.ClientSession(self.base_url, timeout=aiohttp.ClientTimeout(total=30))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._httpx is not None:
            await self._httpx.aclose()
        if self._aiohttp is not None:
            await self._aiohttp.close()

    async def call(
        self, method: str, path: str, headers: Mapping[str, str], body: Any = None, params: Any = None
    ) -> tuple[int, Any]:
        self.requests += 1
        if self._httpx is not None:
            response = await self._httpx.request(method, path, json=body, params=params, headers=headers)
            return response.status_code, response.json()
        assert self._aiohttp is not None
        async with self._aiohttp.request(method, path, json=body, params=params, headers=headers) as answer:
            return answer.status, json.loads(await answer.read())


async def _raw_start(http: RawHttp, workflow_id: str, queue: str) -> str:
    body = {
        "workflow_id": workflow_id,
        "workflow_type": "greeter",
        "task_queue": queue,
        "input": DEFAULT_CONVERTER.envelope([workflow_id]),
        "execution_timeout_seconds": 3600,
        "run_timeout_seconds": 600,
    }
    status, answer = await http.call("POST", "/api/workflows", CP, body)
    if status != 201:
        raise AssertionError(answer)
    return str(answer["run_id"])


async def _raw_result(http: RawHttp, workflow_id: str, run_id: str) -> Any:
    """What the SDK's result() sends: history long polls from the last event, until the terminal one."""
    path, after = f"/api/workflows/{workflow_id}/runs/{run_id}/history", 0
    while True:
        params = {"wait_new_event": "1"}
        if after:
            params["next_page_token"] = base64.b64encode(str(after).encode()).decode()
        _, page = await http.call("GET", path, CP, params=params)
        for event in page["events"]:
            after = max(after, event["sequence"])
            if event["event_type"] == "WorkflowCompleted":
                return DEFAULT_CONVERTER.decode(event["payload"]["output"])


class RawWorker:
    """The SDK worker's request sequence with a bare client: one poller per kind, bounded tasks."""

    def __init__(self, http: RawHttp, queue: str, concurrency: int, target: int) -> None:
        self.http, self.queue, self.concurrency = http, queue, concurrency
        self.worker_id = f"raw-{queue}"
        self.remaining = target
        self.done = asyncio.Event()

    async def post(self, path: str, body: Mapping[str, Any]) -> Any:
        status, answer = await self.http.call("POST", path, WP, body)
        if status >= 300:
            raise AssertionError(f"{path}: {status} {answer}")
        return answer

    async def run(self) -> None:
        """Register, then poll both kinds until ``target`` tasks are done."""
        register = {"worker_id": self.worker_id, "task_queue": self.queue, "runtime": "python"}
        await self.post("/api/worker/register", register)
        loops = [
            asyncio.create_task(self.poll_loop("workflow", self.workflow_task)),
            asyncio.create_task(self.poll_loop("activity", self.activity_task)),
        ]
        try:
            await self.done.wait()
        finally:
            for loop in loops:
                loop.cancel()
            await asyncio.gather(*loops, return_exceptions=True)

    async def poll_loop(self, kind: str, handle: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        slots = asyncio.Semaphore(self.concurrency)
        tasks: set[asyncio.Task[None]] = set()
        while not self.done.is_set():
            await slots.acquire()
            body = {
                "worker_id": self.worker_id,
                "task_queue": self.queue,
                "poll_request_id": f"{kind}-{uuid.uuid4().hex}",
                "timeout_seconds": 1,
            }
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


async def raw_run(server: ServerProcess, n: int, concurrency: int, queue: str, kind: str) -> RunResult:
    """The same greeters and request sequence, hand-written against the HTTP API with ``kind``."""
    ids = [f"{queue}-{i}" for i in range(n)]
    async with RawHttp(server.base_url, kind) as http:
        raw = RawWorker(http, queue, concurrency, 3 * n)
        worker = asyncio.create_task(raw.run())

        async def one(workflow_id: str) -> Any:
            return await _raw_result(http, workflow_id, await _raw_start(http, workflow_id, queue))

        cpu0, server0, requests0 = time.process_time(), server.cpu_seconds(), http.requests
        wall, latencies = await _closed_loop(concurrency, ids, one)
        cpu, server_cpu = time.process_time() - cpu0, server.cpu_seconds() - server0
        requests = http.requests - requests0
        raw.done.set()
        await worker
    return RunResult(wall, cpu, server_cpu, latencies, requests)


async def _prestart(server: ServerProcess, n: int, queue: str) -> None:
    async with RawHttp(server.base_url, "aiohttp") as http:
        for i in range(n):
            await _raw_start(http, f"{queue}-{i}", queue)


async def raw_worker_cpu(server: ServerProcess, n: int, queue: str, kind: str) -> float:
    """Like `worker_cpu`, with the raw worker on a bare ``kind`` client: CPU seconds per task."""
    await _prestart(server, n, queue)
    async with RawHttp(server.base_url, kind) as http:
        raw = RawWorker(http, queue, 16, 3 * n)
        cpu0 = time.process_time()
        await raw.run()
        return (time.process_time() - cpu0) / (3 * n)


DRIVERS = ("sdk", "raw httpx", "raw aiohttp")


async def _run(server: ServerProcess, driver: str, n: int, concurrency: int, queue: str) -> RunResult:
    if driver == "sdk":
        return await sdk_run(server, n, concurrency, queue)
    return await raw_run(server, n, concurrency, queue, driver.split()[1])


def _row(concurrency: int, label: str, n: int, r: RunResult) -> list[Any]:
    p50, p99 = percentile(r.latencies, 50) * 1000, percentile(r.latencies, 99) * 1000
    return [concurrency, label, r.rate, p50, p99, r.requests / n, r.cpu / n * 1000, r.server_cpu / n * 1000]


async def _worker_cpu_rows(server: ServerProcess, workflows: int) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for driver in DRIVERS:
        per_task = []
        for i in range(3):
            queue = f"cpu-{driver.replace(' ', '-')}-{i}"
            if driver == "sdk":
                per_task.append(await worker_cpu(server, workflows, queue, 1000))
            else:
                per_task.append(await raw_worker_cpu(server, workflows, queue, driver.split()[1]))
        rows.append(
            [driver, 3 * workflows, statistics.median(per_task) * 1e6, statistics.median(per_task) * 3e6]
        )
    for row in rows:
        row.append(row[2] / rows[-1][2])
    return rows


async def main(workflows: int = WORKFLOWS, concurrency: tuple[int, ...] = CONCURRENCY) -> None:
    rows: list[list[Any]] = []
    async with server_process() as server:
        for driver in DRIVERS:
            await _run(server, driver, 20, 4, f"warmup-{driver.replace(' ', '-')}")
        for c in concurrency:
            results = {d: await _run(server, d, workflows, c, f"{d.replace(' ', '-')}-c{c}") for d in DRIVERS}
            rows.extend(_row(c, d, workflows, r) for d, r in results.items())
            sdk, floor = results["sdk"], results["raw aiohttp"]
            rows.append([c, "sdk / raw aiohttp", sdk.rate / floor.rate, "", "", "", sdk.cpu / floor.cpu, ""])
        print_table(
            f"End-to-end greeter (start -> activity -> result()), {workflows} per row, closed loop: "
            "<concurrency> users, one worker with <concurrency> slots per kind; server in a subprocess",
            [
                "concurrency",
                "driver",
                "workflows/s",
                "p50 ms",
                "p99 ms",
                "requests/wf",
                "client CPU ms/wf",
                "server CPU ms/wf",
            ],
            rows,
        )
        print_table(
            "Worker CPU (process CPU time / tasks; greeters pre-started, 16 slots per kind; median of 3)",
            ["worker", "tasks", "CPU us/task", "CPU us/greeter", "vs raw aiohttp"],
            await _worker_cpu_rows(server, workflows),
        )
