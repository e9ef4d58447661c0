"""The synchronous client, against a dev server running on its own thread."""

from __future__ import annotations

import asyncio

import pytest

from durable_workflow import WorkflowNotFound
from durable_workflow.sync import Client as SyncClient


def test_sync_client_mirrors_the_async_surface(live_server_url: str) -> None:
    with SyncClient(live_server_url) as client:
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


def test_sync_client_keeps_one_connection_pool(live_server_url: str) -> None:
    with SyncClient(live_server_url) as client:
        pool = client.async_client._transport._http
        for i in range(3):
            client.start_workflow("greeter", "q", f"pool-{i}", [])
        assert client.async_client._transport._http is pool
    assert pool.is_closed


async def test_sync_client_works_inside_a_running_event_loop(live_server_url: str) -> None:
    # A notebook cell runs inside an event loop; plain asyncio.run() would refuse here.
    asyncio.get_running_loop()
    with SyncClient(live_server_url) as client:
        client.start_workflow("greeter", "q", "in-loop", [])
        assert client.describe_workflow("in-loop").workflow_id == "in-loop"


def test_closed_sync_client_refuses_calls(live_server_url: str) -> None:
    client = SyncClient(live_server_url)
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        client.describe_workflow("x")
