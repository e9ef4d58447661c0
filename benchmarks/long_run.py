"""One long workflow end to end: N sequential activities through a subprocess dev server.

Prints, for N = 100 and N = 1000: worker-process CPU, server-process CPU, workflow tasks, and
the bytes the worker received per workflow task (poll answers and history pages of workflow
tasks). Linear cost shows as a 1000/100 CPU ratio near 10; with sticky execution the bytes of a
warm task do not depend on how long the history already is. CPU is process time, so the numbers
hold on a loaded machine.

``python -m benchmarks.long_run [N ...]``
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import httpx

from benchmarks._common import ServerProcess, print_table, server_process
from durable_workflow import Client, Worker, WorkflowContext, activity, workflow

__all__ = ["LongRun", "ByteCounter", "main", "run_once"]

STEPS = (100, 1000)
HEADERS = (
    "N",
    "wf tasks",
    "pages",
    "worker CPU",
    "server CPU",
    "wall s",
    "MB",
    "bytes/task",
    "hits",
    "forced",
)


@activity.defn(name="bench-step")
async def step(i: int) -> int:
    return i + 1


@workflow.defn(name="bench-sequential")
class SequentialWorkflow:
    def run(self, ctx: WorkflowContext, n: int) -> Generator[Any, Any, int]:
        total = 0
        for i in range(n):
            total += yield from ctx.activity(step, start_to_close_timeout=60)(i)
        return total


class ByteCounter(httpx.AsyncBaseTransport):
    """Counts response bytes of workflow-task polls that carried a task, and of history pages."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.bytes = 0
        self.tasks = 0
        self.pages = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        path = request.url.path
        if "/worker/workflow-tasks/" not in path:
            return response
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
        await response.aclose()
        if path.endswith("/poll") and b'"task":{' in raw.replace(b" ", b""):
            self.tasks += 1
            self.bytes += len(raw)
        elif path.endswith("/history"):
            self.pages += 1
            self.bytes += len(raw)
        return httpx.Response(response.status_code, headers=response.headers, content=raw)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class LongRun:
    steps: int
    wall: float
    worker_cpu: float
    server_cpu: float
    tasks: int
    pages: int
    bytes: int
    metrics: dict[str, int]

    @property
    def bytes_per_task(self) -> float:
        return self.bytes / max(self.tasks, 1)


async def run_once(server: ServerProcess, steps: int) -> LongRun:
    """Start one run of ``steps`` activities, let one worker (in this process) finish it."""
    counter = ByteCounter()
    queue = f"long-{steps}"
    async with (
        Client(server.base_url) as starter,
        Client(server.base_url, transport=counter) as client,
    ):
        worker = Worker(
            client,
            task_queue=queue,
            workflows=[SequentialWorkflow],
            activities=[step],
            poll_timeout=1,
            shutdown_timeout=5,
        )
        async with worker:
            cpu0, server0, began = time.process_time(), server.cpu_seconds(), time.perf_counter()
            handle = await starter.start_workflow("bench-sequential", queue, f"long-{steps}", [steps])
            result = await handle.result(timeout=3600)
            wall = time.perf_counter() - began
            cpu, server_cpu = time.process_time() - cpu0, server.cpu_seconds() - server0
        metrics_fn = getattr(worker, "sticky_cache_metrics", None)
        metrics = dict(metrics_fn()) if metrics_fn is not None else {}
    if result != steps * (steps + 1) // 2:
        raise AssertionError(f"wrong result {result!r}")
    return LongRun(steps, wall, cpu, server_cpu, counter.tasks, counter.pages, counter.bytes, metrics)


async def main(steps: tuple[int, ...] = STEPS) -> list[LongRun]:
    runs = []
    for n in steps:
        async with server_process() as srv:  # a fresh server each time: nothing carried over
            runs.append(await run_once(srv, n))
    rows = [
        (
            r.steps,
            r.tasks,
            r.pages,
            f"{r.worker_cpu:.2f}",
            f"{r.server_cpu:.2f}",
            f"{r.wall:.1f}",
            f"{r.bytes / 1e6:.2f}",
            f"{r.bytes_per_task:,.0f}",
            r.metrics.get("hit", "-"),
            r.metrics.get("forced_cold_replay", "-"),
        )
        for r in runs
    ]
    print_table(
        "One workflow of N sequential activities (process CPU seconds; bytes the worker received)",
        (
            "N",
            "wf tasks",
            "pages",
            "worker CPU",
            "server CPU",
            "wall s",
            "MB",
            "bytes/task",
            "hits",
            "forced",
        ),
        rows,
    )
    if len(runs) >= 2:
        small, big = runs[0], runs[-1]
        scale = big.steps / small.steps
        print(
            f"{big.steps}/{small.steps} ratios (linear = {scale:.0f}): worker CPU "
            f"{big.worker_cpu / small.worker_cpu:.1f}, server CPU {big.server_cpu / small.server_cpu:.1f}, "
            f"bytes/task {big.bytes_per_task / small.bytes_per_task:.2f}"
        )
    return runs


if __name__ == "__main__":
    asyncio.run(main(tuple(int(a) for a in sys.argv[1:]) or STEPS))
