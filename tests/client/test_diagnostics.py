"""Timeouts and long waits say why: no worker on the queue, no worker for the type, an
activity type nobody registers. Connection failures and not-found errors name what they mean."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Generator
from typing import Any

import pytest

from durable_workflow import (
    Client,
    TransportError,
    Worker,
    WorkflowContext,
    WorkflowNotFound,
    WorkflowResultTimeout,
    activity,
    workflow,
)
from durable_workflow.client import _result


@activity.defn(name="diag_present")
async def present() -> str:
    return "here"


@workflow.defn(name="diag_calls_ghost")
class CallsGhost:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        value = yield ctx.schedule_activity("diag_ghost_activity", [], start_to_close_timeout=30)
        return value


@workflow.defn(name="diag_waits")
class WaitsForSignal:
    def __init__(self) -> None:
        self.go = False

    @workflow.signal("go")
    def on_go(self) -> None:
        self.go = True

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        yield ctx.wait_condition(lambda: self.go)
        return "went"


@workflow.defn(name="diag_other")
class Other:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        return "other"
        yield  # pragma: no cover


async def test_no_worker_on_the_queue_is_named(client: Client) -> None:
    handle = await client.start_workflow("diag_anything", "diag-empty-queue", "diag-1")
    with pytest.raises(WorkflowResultTimeout) as caught:
        await handle.result(timeout=0.5)
    assert "no worker has polled task queue 'diag-empty-queue' recently" in str(caught.value)
    assert caught.value.diagnosis is not None and "'diag_anything'" in caught.value.diagnosis


async def test_no_worker_for_the_workflow_type_is_named(client: Client) -> None:
    async with Worker(client, task_queue="diag-q2", workflows=[Other], poll_timeout=1):
        handle = await client.start_workflow("diag_unknown_type", "diag-q2", "diag-2")
        with pytest.raises(WorkflowResultTimeout, match="diag_unknown_type") as caught:
            await handle.result(timeout=0.5)
    message = str(caught.value)
    assert "no registered worker supports workflow type 'diag_unknown_type'" in message
    assert "task queue 'diag-q2'" in message and "['diag_other']" in message


async def test_an_activity_nobody_registers_is_named_and_the_worker_warns(
    client: Client, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_result, "SLOW_RESULT_WARNING_SECONDS", 0.3)
    caplog.set_level(logging.WARNING)
    worker = Worker(
        client, task_queue="diag-q3", workflows=[CallsGhost], activities=[present], poll_timeout=1
    )
    await client.start_workflow("diag_calls_ghost", "diag-q3", "diag-3")
    with pytest.raises(TimeoutError) as caught:
        await worker.run_until(workflow_id="diag-3", timeout=1.0)
    message = str(caught.value)
    assert "activity type 'diag_ghost_activity' is scheduled on task queue 'diag-q3'" in message
    assert "no worker there supports it" in message and "['diag_present']" in message
    warnings = [r.getMessage() for r in caplog.records if r.name == "durable_workflow.worker"]
    assert any("'diag_ghost_activity'" in w and "does not register it" in w for w in warnings), warnings
    waiting = [r.getMessage() for r in caplog.records if r.name == "durable_workflow.client"]
    assert (
        waiting and "still waiting for workflow 'diag-3': activity type 'diag_ghost_activity'" in waiting[0]
    )


async def test_a_long_wait_logs_the_cause(
    client: Client, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_result, "SLOW_RESULT_WARNING_SECONDS", 0.2)
    caplog.set_level(logging.WARNING, logger="durable_workflow.client")
    handle = await client.start_workflow("diag_slow", "diag-q4", "diag-4")
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(handle.result(), 1.5)  # no timeout of its own: would wait forever
    logged = [r.getMessage() for r in caplog.records if r.name == "durable_workflow.client"]
    assert logged == [
        "still waiting for workflow 'diag-4': no worker has polled task queue 'diag-q4' recently: "
        "start a worker with task_queue='diag-q4' that registers workflow type 'diag_slow'"
    ]


async def test_a_workflow_waiting_on_purpose_is_not_misdiagnosed(client: Client) -> None:
    async with Worker(client, task_queue="diag-q5", workflows=[WaitsForSignal], poll_timeout=1):
        handle = await client.start_workflow("diag_waits", "diag-q5", "diag-5")
        with pytest.raises(WorkflowResultTimeout) as caught:
            await handle.result(timeout=0.5)
    assert caught.value.diagnosis is None
    assert str(caught.value) == "workflow 'diag-5' still 'running' after 0.5s"


async def test_not_found_names_the_id(client: Client) -> None:
    with pytest.raises(WorkflowNotFound, match="workflow 'diag-missing' not found"):
        await client.describe_workflow("diag-missing")
    with pytest.raises(WorkflowNotFound, match="workflow 'diag-missing'"):
        await client.get_workflow_handle("diag-missing").signal("go")


async def test_a_stopped_server_is_named_with_the_fix() -> None:
    async with Client("http://127.0.0.1:9", timeout=2) as client:
        with pytest.raises(TransportError) as caught:
            await client.describe_workflow("any")
    message = str(caught.value)
    assert "http://127.0.0.1:9" in message
    assert "durable-workflow server start-dev" in message
