"""Leases, redelivery, non-determinism, cancellation and metrics, end to end."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from durable_workflow import activity, workflow
from durable_workflow.client import Client
from durable_workflow.errors import ActivityCancelled, ActivityFailed, NamespaceNotFound, Unauthorized
from durable_workflow.metrics import InMemoryMetrics
from durable_workflow.server import DevServer
from durable_workflow.worker import Worker
from durable_workflow.workflow import WorkflowContext
from tests.worker._harness import connect

calls: list[int] = []
started = asyncio.Event()


@activity.defn(name="once_hangs")
async def once_hangs() -> int:
    attempt = activity.context().info.attempt_number
    calls.append(attempt)
    if len(calls) == 1:
        started.set()
        await asyncio.sleep(60)  # the "killed" worker never finishes this attempt
    return attempt


@workflow.defn(name="redelivered")
class Redelivered:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        attempt = yield ctx.schedule_activity("once_hangs", [])
        return {"attempt": attempt}


async def test_worker_killed_mid_activity_is_redelivered_after_the_lease_expires() -> None:
    calls.clear()
    started.clear()
    async with DevServer(serve_http=False, activity_lease_seconds=1) as server, connect(server) as client:
        handle = await client.start_workflow(workflow_type="redelivered", task_queue="q", workflow_id="r-1")
        first = Worker(
            client,
            task_queue="q",
            workflows=[Redelivered],
            activities=[once_hangs],
            poll_timeout=1,
            shutdown_timeout=0,
        )
        await first.__aenter__()
        await asyncio.wait_for(started.wait(), 10)
        await first.stop()  # cancels the attempt without reporting anything, like a crash
        second = Worker(
            client, task_queue="q", workflows=[Redelivered], activities=[once_hangs], poll_timeout=1
        )
        async with second:
            assert await handle.result(timeout=20) == {"attempt": 2}
    assert calls == [1, 2]


@workflow.defn(name="evolving")
class EvolvingV1:
    def __init__(self) -> None:
        self.go = False

    @workflow.signal("go")
    def signal_go(self) -> None:
        self.go = True

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        yield ctx.sleep(0)
        yield ctx.wait_condition(lambda: self.go)
        return "v1"


@workflow.defn(name="evolving")
class EvolvingV2:
    def __init__(self) -> None:
        self.go = False

    @workflow.signal("go")
    def signal_go(self) -> None:
        self.go = True

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        yield ctx.schedule_activity("new_first_step", [])  # CHANGED_SITE
        yield ctx.wait_condition(lambda: self.go)
        return "v2"


async def test_incompatible_change_fails_the_task_with_the_yield_site(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="durable_workflow.worker")
    metrics = InMemoryMetrics()
    async with DevServer(serve_http=False) as server, connect(server) as client:
        handle = await client.start_workflow(workflow_type="evolving", task_queue="q", workflow_id="e-1")
        async with Worker(client, task_queue="q", workflows=[EvolvingV1], poll_timeout=1):
            await _wait_for(lambda: _has_event(handle, "ConditionWaitOpened"))
        async with Worker(client, task_queue="q", workflows=[EvolvingV2], poll_timeout=1, metrics=metrics):
            await handle.signal("go")
            await _wait_for(lambda: _logged(caplog, "not deterministic"))
        assert (await handle.describe()).status != "completed"
    lines = Path(__file__).read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "# CHANGED_SITE" in text)
    message = next(r.getMessage() for r in caplog.records if "not deterministic" in r.getMessage())
    assert f"{__file__}:{line}" in message
    assert "'evolving'" in message and "activity 'new_first_step'" in message and "timer" in message
    tasks = [(t["task_kind"], t["outcome"]) for t in metrics.tag_sets("durable_workflow_worker_tasks")]
    assert ("workflow", "failed") in tasks


async def _has_event(handle: Any, event_type: str) -> bool:
    return any(e["event_type"] == event_type for e in await handle.history())


async def _logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return any(text in r.getMessage() for r in caplog.records)


async def _wait_for(check: Any, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


observed: dict[str, Any] = {}


@activity.defn(name="watcher")
async def watcher() -> str:
    ctx = activity.context()
    try:
        for i in range(200):
            await ctx.heartbeat({"beat": i})
            await asyncio.sleep(0.05)
    except ActivityCancelled:
        observed["cancelled"] = ctx.is_cancelled
        raise
    return "never cancelled"


@workflow.defn(name="watching")
class Watching:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        try:
            yield ctx.schedule_activity("watcher", [], heartbeat_timeout=2, start_to_close_timeout=30)
        except ActivityFailed:
            return "failed"
        return "done"


async def test_cancelling_the_workflow_cancels_a_heartbeating_activity() -> None:
    observed.clear()
    async with DevServer(serve_http=False) as server, connect(server) as client:
        handle = await client.start_workflow(workflow_type="watching", task_queue="q", workflow_id="w-1")
        async with Worker(client, task_queue="q", workflows=[Watching], activities=[watcher], poll_timeout=1):
            await _wait_for(lambda: _has_event(handle, "ActivityHeartbeatRecorded"))
            await handle.cancel(reason="stop")
            await _wait_for(_async(lambda: "cancelled" in observed))
    assert observed == {"cancelled": True}


def _async(check: Any) -> Any:
    async def run() -> bool:
        return bool(check())

    return run


async def test_worker_metrics_have_the_documented_tags() -> None:
    from tests.worker.test_worker_e2e import Greeter, greet

    metrics = InMemoryMetrics()
    async with DevServer(serve_http=False) as server, connect(server) as client:
        handle = await client.start_workflow(
            workflow_type="greeter", task_queue="q", workflow_id="g-1", input=["m"]
        )
        worker = Worker(
            client,
            task_queue="q",
            workflows=[Greeter],
            activities=[greet],
            poll_timeout=1,
            metrics=metrics,
        )
        await worker.run_until(workflow_id="g-1", timeout=10)
        assert (await handle.result(timeout=5))["greeting"] == "Hello, m!"
    names = [
        "durable_workflow_worker_polls",
        "durable_workflow_worker_poll_duration_seconds",
        "durable_workflow_worker_tasks",
        "durable_workflow_worker_task_duration_seconds",
    ]
    for name in names:
        assert metrics.tag_sets(name), name
        for tags in metrics.tag_sets(name):
            assert set(tags) == {"task_kind", "task_queue", "outcome"} and tags["task_queue"] == "q"
    outcomes = {(t["task_kind"], t["outcome"]) for t in metrics.tag_sets("durable_workflow_worker_tasks")}
    assert outcomes == {("workflow", "completed"), ("activity", "completed")}
    assert (
        metrics.counter(
            "durable_workflow_worker_tasks",
            {"task_kind": "workflow", "task_queue": "q", "outcome": "completed"},
        )
        == 2
    )
    polls = {t["outcome"] for t in metrics.tag_sets("durable_workflow_worker_polls")}
    assert "task" in polls


async def test_worker_survives_a_server_restart(tmp_path: Path) -> None:
    from tests.worker.test_worker_e2e import Greeter, greet

    async with (
        DevServer(db_path=str(tmp_path / "dev.sqlite"), port=0) as server,
        Client(server.base_url) as client,
    ):
        worker = Worker(client, task_queue="q", workflows=[Greeter], activities=[greet], poll_timeout=1)
        async with worker:
            first = await client.start_workflow(
                workflow_type="greeter", task_queue="q", workflow_id="a", input=["one"]
            )
            assert (await first.result(timeout=10))["greeting"] == "Hello, one!"
            await server.stop()
            await asyncio.sleep(1.0)  # polls fail meanwhile; the worker backs off and keeps going
            await server.start()
            second = await client.start_workflow(
                workflow_type="greeter", task_queue="q", workflow_id="b", input=["two"]
            )
            assert (await second.result(timeout=20))["greeting"] == "Hello, two!"


async def test_worker_registers_again_when_the_server_forgot_it(caplog: pytest.LogCaptureFixture) -> None:
    from tests.worker.test_worker_e2e import Greeter, greet

    caplog.set_level(logging.WARNING, logger="durable_workflow.worker")
    async with DevServer(serve_http=False) as server, connect(server) as client:
        worker = Worker(client, task_queue="q", workflows=[Greeter], activities=[greet], poll_timeout=1)
        async with worker:
            await client._transport.request("DELETE", f"/workers/{worker.worker_id}", plane="control")
            handle = await client.start_workflow(
                workflow_type="greeter", task_queue="q", workflow_id="f-1", input=["again"]
            )
            assert (await handle.result(timeout=15))["greeting"] == "Hello, again!"
    assert any("registering again" in r.getMessage() for r in caplog.records)


async def test_worker_started_before_the_server_waits_for_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.faults._support import free_port
    from tests.worker.test_worker_e2e import Greeter, greet

    caplog.set_level(logging.WARNING, logger="durable_workflow.worker")
    port = free_port()
    async with Client(f"http://127.0.0.1:{port}", timeout=5) as client:
        worker = Worker(client, task_queue="q", workflows=[Greeter], activities=[greet], poll_timeout=1)
        running = asyncio.create_task(worker.run())
        await asyncio.sleep(1.2)  # no server yet: registration fails and is retried
        assert not running.done()
        async with DevServer(db_path=str(tmp_path / "dev.sqlite"), port=port):
            handle = await client.start_workflow("greeter", "q", "late-server", ["late"])
            assert (await handle.result(timeout=20))["greeting"] == "Hello, late!"
            await worker.stop()
            await asyncio.wait_for(running, 10)
    retries = [r.getMessage() for r in caplog.records if "cannot register" in r.getMessage()]
    assert retries and f"http://127.0.0.1:{port}" in retries[0], retries


async def test_a_configuration_error_stops_the_worker_with_a_typed_error() -> None:
    from tests.worker.test_worker_e2e import Greeter

    async with DevServer(serve_http=False, auth_driver="token", token="right") as server:
        async with Client(server.base_url, token="wrong", transport=server.asgi_transport()) as client:
            worker = Worker(client, task_queue="q", workflows=[Greeter], poll_timeout=1)
            with pytest.raises(Unauthorized):
                await asyncio.wait_for(worker.run(), 5)
        async with Client(
            server.base_url, token="right", namespace="nope", transport=server.asgi_transport()
        ) as client:
            worker = Worker(client, task_queue="q", workflows=[Greeter], poll_timeout=1)
            with pytest.raises(NamespaceNotFound):
                await asyncio.wait_for(worker.run(), 5)


async def test_a_token_revoked_while_running_stops_the_worker_with_a_typed_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tests.worker.test_worker_e2e import Greeter

    async with (
        DevServer(serve_http=False, auth_driver="token", token="right") as server,
        Client(server.base_url, token="right", transport=server.asgi_transport()) as client,
    ):
        worker = Worker(client, task_queue="q", workflows=[Greeter], poll_timeout=1)
        running = asyncio.create_task(worker.run())
        await asyncio.sleep(0.3)
        assert not running.done()
        client._transport._tokens["worker"] = "revoked"  # as if the server's token was rotated
        with pytest.raises(Unauthorized):
            await asyncio.wait_for(running, 10)
    assert any("stops: workflow poll refused" in r.getMessage() for r in caplog.records)
