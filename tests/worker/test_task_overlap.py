"""Two workflow tasks of one run in flight on one worker: the cached instance is never shared.

The server hands out a run's next workflow task as soon as it records the previous completion,
so another poller can decide it while the first task is still doing its bookkeeping. Here an
update task's completion answer is held back until the follow-up task has decided and sent its
own completion, and that one's answer until the update task has finished. The run must still
see a signal sent afterwards (it used to reopen its wait on a closed, cached instance).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Generator, Iterator
from typing import Any

import httpx
import pytest

from durable_workflow import Client, workflow
from durable_workflow.server import DevServer
from durable_workflow.worker import Worker
from durable_workflow.workflow import WorkflowContext

HOLD_SECONDS = 10.0


@workflow.defn(name="overlap-cart")
class Cart:
    def __init__(self) -> None:
        self.stage = "open"
        self.items: list[str] = []

    @workflow.signal("checkout")
    def checkout(self) -> None:
        self.stage = "paid"

    @workflow.update("add")
    def add(self, item: str) -> int:
        self.items.append(item)
        return len(self.items)

    @workflow.query("count")
    def count(self) -> int:
        return len(self.items)

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, list[str]]:
        yield ctx.wait_condition(lambda: self.stage != "open")
        return self.items


class _Finished(logging.Handler):
    """Records the workflow tasks the worker finished (its "workflow task X completed" line)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.task_ids: set[str] = set()
        self.changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "workflow task %s completed: %s":
            self.task_ids.add(str(record.args[0]) if isinstance(record.args, tuple) else "")
            self.changed.set()

    async def wait_for(self, task_id: str) -> bool:
        async def finished() -> None:
            while task_id not in self.task_ids:
                self.changed.clear()
                await self.changed.wait()

        try:
            await asyncio.wait_for(finished(), HOLD_SECONDS)
        except asyncio.TimeoutError:
            return False
        return True


class _Overlap(httpx.AsyncBaseTransport):
    """Holds workflow-task completion answers so the update task and its follow-up overlap."""

    def __init__(self, inner: httpx.AsyncBaseTransport, finished: _Finished) -> None:
        self.inner, self.finished = inner, finished
        self.update_task: str | None = None
        self.follow_up: str | None = None
        self.follow_up_sent = asyncio.Event()
        self.overlapped = False  # the follow-up completed while the update task's answer was held
        self.ordered = False  # the update task finished before the follow-up's answer came back

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.rstrip("/").split("/")
        if parts[-3:-2] != ["workflow-tasks"] or parts[-1] != "complete":
            return await self.inner.handle_async_request(request)
        task_id = parts[-2]
        commands = json.loads(await request.aread()).get("commands") or []
        if self.update_task is None and any(c.get("type") == "complete_update" for c in commands):
            self.update_task = task_id
            response = await self.inner.handle_async_request(request)
            await asyncio.wait_for(self.follow_up_sent.wait(), HOLD_SECONDS)
            return response
        if self.update_task is not None and self.follow_up is None:
            self.follow_up = task_id
            self.overlapped = self.update_task not in self.finished.task_ids
            self.follow_up_sent.set()
            response = await self.inner.handle_async_request(request)
            self.ordered = await self.finished.wait_for(self.update_task)
            return response
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
def finished(caplog: pytest.LogCaptureFixture) -> Iterator[_Finished]:
    caplog.set_level(logging.INFO, logger="durable_workflow.worker")
    handler = _Finished()
    logger = logging.getLogger("durable_workflow.worker")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


async def test_a_signal_after_overlapping_update_and_follow_up_tasks_is_seen(finished: _Finished) -> None:
    async with DevServer(serve_http=False) as server:
        transport = _Overlap(server.asgi_transport(), finished)
        async with (
            Client(server.base_url, transport=transport) as client,
            Worker(client, task_queue="overlap", workflows=[Cart], poll_timeout=1.0),
        ):
            handle = await client.start_workflow("overlap-cart", "overlap", "overlap-1")
            await _until_waiting(handle)
            update = await handle.update("add", ["apple"])
            assert update.result == 1
            assert await handle.query("count") == 1
            assert transport.follow_up is not None and await finished.wait_for(transport.follow_up)
            assert transport.overlapped and transport.ordered, "the two tasks did not overlap"
            await handle.signal("checkout")
            assert await handle.result(timeout=5) == ["apple"]


async def _until_waiting(handle: Any) -> None:
    for _ in range(200):
        if any(e["event_type"] == "ConditionWaitOpened" for e in await handle.history()):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the workflow never opened its wait")
