"""The synchronous client, against a dev server running on its own thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from durable_workflow import WorkflowNotFound
from durable_workflow.server import DevServer
from durable_workflow.sync import Client as SyncClient


@pytest.fixture
def server_url() -> Iterator[str]:
    """A real HTTP dev server on a loopback port, served by a thread with its own loop."""
    ready = threading.Event()
    state: dict[str, object] = {}

    async def serve() -> None:
        stop = asyncio.Event()
        state["stop"], state["loop"] = stop, asyncio.get_running_loop()
        async with DevServer(port=0) as server:
            state["url"] = server.base_url
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10), "dev server did not start"
    yield str(state["url"])
    loop = state["loop"]
    assert isinstance(loop, asyncio.AbstractEventLoop)
    stop = state["stop"]
    assert isinstance(stop, asyncio.Event)
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)


def test_sync_client_mirrors_the_async_surface(server_url: str) -> None:
    with SyncClient(server_url) as client:
        handle = client.start_workflow(
            workflow_type="greeter", task_queue="q", workflow_id="sync-1", input=["w"]
        )
        assert handle.run_id
        execution = client.describe_workflow("sync-1")
        assert execution.status in ("pending", "running", "waiting")
        assert execution.input == ["w"]
        handle.signal("poke", [1])
        assert [e.workflow_id for e in client.list_workflows().executions] == ["sync-1"]
        handle.terminate(reason="done")
        assert handle.describe().status == "terminated"
        with pytest.raises(WorkflowNotFound):
            client.describe_workflow("nope")


def test_sync_client_keeps_one_connection_pool(server_url: str) -> None:
    with SyncClient(server_url) as client:
        pool = client.async_client._transport._http
        for i in range(3):
            client.start_workflow("greeter", "q", f"pool-{i}", [])
        assert client.async_client._transport._http is pool
    assert pool.is_closed


async def test_sync_client_works_inside_a_running_event_loop(server_url: str) -> None:
    # A notebook cell runs inside an event loop; plain asyncio.run() would refuse here.
    asyncio.get_running_loop()
    with SyncClient(server_url) as client:
        client.start_workflow("greeter", "q", "in-loop", [])
        assert client.describe_workflow("in-loop").workflow_id == "in-loop"


def test_closed_sync_client_refuses_calls(server_url: str) -> None:
    client = SyncClient(server_url)
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        client.describe_workflow("x")
