"""The uvicorn listener: `dev_server()` yields a reachable URL and stops promptly mid long-poll."""

from __future__ import annotations

import asyncio

import httpx

from durable_workflow.server import DevServer, dev_server
from tests.server.helpers import WP


async def test_dev_server_over_loopback() -> None:
    async with dev_server() as base_url, httpx.AsyncClient(base_url=base_url) as client:
        assert base_url.startswith("http://127.0.0.1:")
        assert (await client.get("/api/health")).json()["status"] == "serving"


async def test_stop_releases_long_polls() -> None:
    server = DevServer(long_poll_timeout=30)
    await server.start()
    async with httpx.AsyncClient(base_url=server.base_url, headers=WP) as client:
        reg = {"worker_id": "w1", "task_queue": "q", "runtime": "python"}
        assert (await client.post("/api/worker/register", json=reg)).status_code == 201
        poll = asyncio.create_task(
            client.post("/api/worker/workflow-tasks/poll", json={"worker_id": "w1", "task_queue": "q"})
        )
        await asyncio.sleep(0.1)
        loop = asyncio.get_running_loop()
        began = loop.time()
        await server.stop()
        assert loop.time() - began < 5
        resp = await poll
        assert resp.status_code == 200 and resp.json()["task"] is None


async def test_a_poll_whose_client_went_away_claims_nothing() -> None:
    cp = {"X-Durable-Workflow-Control-Plane-Version": "2"}
    async with dev_server() as base_url, httpx.AsyncClient(base_url=base_url, headers=WP) as worker:
        reg = {"worker_id": "w1", "task_queue": "q", "runtime": "python"}
        assert (await worker.post("/api/worker/register", json=reg)).status_code == 201
        body = {"worker_id": "w1", "task_queue": "q", "timeout_seconds": 10}
        async with httpx.AsyncClient(base_url=base_url, headers=WP) as doomed:
            abandoned = asyncio.create_task(doomed.post("/api/worker/workflow-tasks/poll", json=body))
            await asyncio.sleep(0.2)
            abandoned.cancel()  # the worker process went away mid-poll
            await asyncio.gather(abandoned, return_exceptions=True)
        await asyncio.sleep(0.2)
        async with httpx.AsyncClient(base_url=base_url, headers=cp) as control:
            start = {"workflow_id": "wf-1", "workflow_type": "greeter", "task_queue": "q", "input": []}
            assert (await control.post("/api/workflows", json=start)).status_code == 201
        fresh = await worker.post("/api/worker/workflow-tasks/poll", json={**body, "timeout_seconds": 2})
        task = fresh.json()["task"]
        assert task is not None and task["workflow_id"] == "wf-1"
