"""The worker's sticky cache against the dev server: warm tasks, eviction, oversized entries,
a replacement worker, and a seed-era server (where the worker behaves as before)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Generator
from typing import Any

import httpx

from durable_workflow import Client, Worker, activity, workflow
from durable_workflow.server import DevServer
from durable_workflow.workflow import WorkflowContext
from tests.worker._harness import assert_replays


@activity.defn(name="sticky-step")
async def step(i: int) -> int:
    return i + 1


@workflow.defn(name="sticky-steps")
class Steps:
    def __init__(self) -> None:
        self.go = False

    @workflow.signal
    def proceed(self) -> None:
        self.go = True

    def run(self, ctx: WorkflowContext, n: int, wait: bool = False) -> Generator[Any, Any, int]:
        total = 0
        for i in range(n):
            total += yield from ctx.activity(step)(i)
        if wait:
            yield ctx.wait_condition(lambda: self.go)
        for i in range(n):
            total += yield from ctx.activity(step)(i)
        return total


def expected(n: int) -> int:
    return 2 * sum(range(1, n + 1))


class Recorder(httpx.AsyncBaseTransport):
    """Keeps each workflow task the worker received and each history page request it made."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.tasks: list[dict[str, Any]] = []
        self.pages: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        path = request.url.path
        if path.endswith("/history") and "/worker/workflow-tasks/" in path:
            self.pages.append(json.loads(request.content)["next_history_page_token"])
        if path.endswith("/worker/workflow-tasks/poll"):
            raw = await response.aread()
            task = json.loads(raw).get("task")
            if task:
                self.tasks.append(task)
            return httpx.Response(response.status_code, headers=response.headers, content=raw)
        return response


def worker(client: Client, **options: Any) -> Worker:
    return Worker(
        client,
        task_queue="q",
        workflows=[Steps],
        activities=[step],
        poll_timeout=0.5,
        shutdown_timeout=2,
        **options,
    )


async def test_warm_tasks_get_only_what_the_worker_has_not_seen() -> None:
    async with DevServer(serve_http=False) as server:
        recorder = Recorder(server.asgi_transport())
        async with Client(server.base_url, transport=recorder) as client, worker(client) as w:
            handle = await client.start_workflow("sticky-steps", "q", "warm", [5])
            assert await handle.result(timeout=20) == expected(5)
            metrics = w.sticky_cache_metrics()
            await assert_replays(handle, Steps, 5)
    assert metrics["hit"] == 10 and metrics["miss"] == 1 and metrics["forced_cold_replay"] == 0
    assert recorder.pages == []  # nothing was paged: each warm task carried its new events
    delivered = 0
    for task in recorder.tasks:
        sequences = [e["sequence"] for e in task["history_events"]]
        if task["sticky_replay_mode"] == "sticky_hit_expected":
            assert sequences[0] == delivered + 1  # right after what the worker retained
        assert sequences == list(range(sequences[0], task["last_history_sequence"] + 1))
        delivered = sequences[-1]
    assert [t["sticky_replay_mode"] for t in recorder.tasks].count("sticky_hit_expected") == 10


async def test_eviction_forces_a_cold_replay_that_completes() -> None:
    async with DevServer(serve_http=False) as server:
        recorder = Recorder(server.asgi_transport())
        async with (
            Client(server.base_url, transport=recorder) as client,
            worker(client, workflow_cache_size=1) as w,
        ):
            handles = [await client.start_workflow("sticky-steps", "q", f"evict-{i}", [4]) for i in range(3)]
            results = await asyncio.gather(*(h.result(timeout=30) for h in handles))
            metrics = w.sticky_cache_metrics()
    assert results == [expected(4)] * 3
    assert metrics["eviction"] >= 1 and metrics["forced_cold_replay"] >= 1
    assert "MA==" in recorder.pages  # a warm task without state fetched the whole history
    assert metrics["entries"] <= 1


async def test_an_oversized_entry_is_not_kept_and_every_task_replays_cold() -> None:
    async with DevServer(serve_http=False) as server:
        recorder = Recorder(server.asgi_transport())
        async with (
            Client(server.base_url, transport=recorder) as client,
            worker(client, workflow_cache_max_bytes=200) as w,
        ):
            handle = await client.start_workflow("sticky-steps", "q", "big", [3])
            assert await handle.result(timeout=20) == expected(3)
            metrics = w.sticky_cache_metrics()
    assert metrics["hit"] == 0 and metrics["entries"] == 0 and metrics["history_bytes"] == 0
    assert {t["sticky_replay_mode"] for t in recorder.tasks} == {"cold_replay"}  # nothing was claimed
    assert all(t["history_events"][0]["sequence"] == 1 for t in recorder.tasks)


async def test_a_replacement_worker_replays_the_original_run() -> None:
    async with (
        DevServer(serve_http=False, sticky_schedule_to_start_seconds=0.2) as server,
        Client(server.base_url, transport=server.asgi_transport()) as client,
    ):
        async with worker(client, worker_id="first") as first:
            handle = await client.start_workflow("sticky-steps", "q", "replaced", [3, True])
            while (await handle.describe()).wait_kind != "condition":
                await asyncio.sleep(0.05)
            assert first.sticky_cache_metrics()["entries"] == 1
        async with worker(client, worker_id="second") as second:
            await handle.signal("proceed")
            assert await handle.result(timeout=20) == expected(3)
            metrics = second.sticky_cache_metrics()
    assert metrics["forced_cold_replay"] == 1 and metrics["miss"] == 1 and metrics["hit"] == 3


async def test_a_seed_era_server_gets_no_claims_and_the_cache_still_resumes() -> None:
    async with DevServer(serve_http=False, wire_generation="seed") as server:
        recorder = Recorder(server.asgi_transport())
        async with Client(server.base_url, transport=recorder) as client, worker(client) as w:
            handle = await client.start_workflow("sticky-steps", "q", "seed", [3])
            assert await handle.result(timeout=20) == expected(3)
            metrics = w.sticky_cache_metrics()
    assert all("sticky_replay_mode" not in t for t in recorder.tasks)
    assert all(t["history_events"][0]["sequence"] == 1 for t in recorder.tasks)  # whole history
    assert metrics["hit"] == 6 and metrics["forced_cold_replay"] == 0
