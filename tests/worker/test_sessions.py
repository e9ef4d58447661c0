"""Worker sessions against the dev server: lifecycle, in-session routing, holder loss and
reacquisition, requirements, and a seed-era server."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from durable_workflow import (
    ServerCompatibilityError,
    Worker,
    WorkerSessionOptions,
    WorkerSessionRefused,
    activity,
    workflow,
)
from durable_workflow.server import DevServer, FakeClock
from durable_workflow.workflow import WorkflowContext
from tests.worker._harness import connect

GPU = WorkerSessionOptions("render-1", requirements=("gpu:l4",), lease_seconds=30)


def renderer(worker_id: str) -> Any:
    """The ``render`` activity as one worker implements it (its result names the worker)."""

    @activity.defn(name="render")
    async def render(frame: int) -> str:
        return f"{worker_id}:{frame}"

    return render


render = renderer("any")


@workflow.defn(name="render-job")
class RenderJob:
    def run(self, ctx: WorkflowContext, frames: int) -> Generator[Any, Any, list[str]]:
        done = []
        for frame in range(frames):
            done.append((yield from ctx.activity(render, worker_session=GPU)(frame)))
        return done


def worker(client: Any, worker_id: str, capabilities: tuple[str, ...] = ("gpu:l4",)) -> Worker:
    return Worker(
        client,
        task_queue="q",
        worker_id=worker_id,
        workflows=[RenderJob],
        activities=[renderer(worker_id)],
        capabilities=capabilities,
        poll_timeout=0.5,
        shutdown_timeout=2,
    )


async def test_session_lifecycle_and_refusal_until_the_holder_is_lost() -> None:
    clock = FakeClock()
    async with (
        DevServer(serve_http=False, clock=clock, worker_stale_after_seconds=600) as server,
        connect(server) as client,
        worker(client, "holder") as a,
        worker(client, "other") as b,
    ):
        mine, theirs = a.session(GPU), b.session(GPU)
        assert await mine.create() == "created"
        assert mine.active and mine.snapshot["lease_owner"] == "holder"
        assert await mine.create() == "reused"
        with pytest.raises(WorkerSessionRefused) as refused:
            await theirs.create()
        assert refused.value.reason == "session_owned_by_another_worker"
        assert refused.value.status_code == 409
        await mine.renew(60)
        clock.advance(45)  # past the first lease, inside the renewed one
        with pytest.raises(WorkerSessionRefused):
            await theirs.create()
        clock.advance(20)  # the holder's lease lapsed
        assert await theirs.create() == "reacquired"
        assert theirs.snapshot["lease_owner"] == "other"
        with pytest.raises(WorkerSessionRefused) as lost:
            await mine.renew()
        assert lost.value.reason == "session_owner_mismatch"
        await theirs.close()
        await theirs.close()  # idempotent
        with pytest.raises(WorkerSessionRefused) as closed:
            await mine.create()
        assert closed.value.reason == "session_closed"


async def test_in_session_activities_run_on_the_holder_only() -> None:
    async with (
        DevServer(serve_http=False) as server,
        connect(server) as client,
        worker(client, "no-gpu", capabilities=()),
        worker(client, "gpu"),
    ):
        handle = await client.start_workflow("render-job", "q", "job", [4])
        result = await handle.result(timeout=20)
    assert result == [f"gpu:{i}" for i in range(4)]  # the worker without gpu:l4 never got one


async def test_a_replacement_worker_reacquires_after_the_holder_is_lost() -> None:
    short = WorkerSessionOptions("render-1", requirements=("gpu:l4",), lease_seconds=1)
    async with DevServer(serve_http=False) as server, connect(server) as client:
        transport = client._transport
        crashed = {"worker_id": "crashed", "task_queue": "q", "runtime": "python", "capabilities": ["gpu:l4"]}
        await transport.request("POST", "/worker/register", plane="worker", json=crashed)
        body = {"worker_id": "crashed", **short.to_wire()}
        await transport.request("POST", "/worker/sessions", plane="worker", json=body)
        async with worker(client, "second") as second:
            refused = second.session(GPU)
            with pytest.raises(WorkerSessionRefused):
                await refused.create()  # the crashed holder's lease has not lapsed yet
            handle = await client.start_workflow("render-job", "q", "after", [2])
            assert await handle.result(timeout=20) == ["second:0", "second:1"]


async def test_sessions_need_a_current_server() -> None:
    async with (
        DevServer(serve_http=False, wire_generation="seed") as server,
        connect(server) as client,
        worker(client, "seed") as w,
    ):
        with pytest.raises(ServerCompatibilityError, match="worker sessions"):
            await w.session(GPU).create()


def test_options_are_checked_when_made() -> None:
    with pytest.raises(ValueError, match="session id"):
        WorkerSessionOptions(" ")
    with pytest.raises(ValueError, match="lease_seconds"):
        WorkerSessionOptions("s", lease_seconds=0)
    with pytest.raises(TypeError, match="requirements"):
        WorkerSessionOptions("s", requirements="gpu")  # type: ignore[arg-type]
    assert WorkerSessionOptions("s", requirements=("a", "a", "b")).requirements == ("a", "b")


async def test_the_server_refuses_malformed_session_options() -> None:
    async with DevServer(serve_http=False) as server, connect(server) as client, worker(client, "w") as w:
        del w
        bad = {"worker_id": "w", "session_id": "s", "lease_seconds": 0, "requirements": "gpu"}
        transport = client._transport
        with pytest.raises(Exception) as info:
            await transport.request("POST", "/worker/sessions", plane="worker", json=bad)
    body = getattr(info.value, "body", {})
    assert getattr(info.value, "status_code", 0) == 422
    assert {"lease_seconds", "requirements"} <= set(body["errors"])
