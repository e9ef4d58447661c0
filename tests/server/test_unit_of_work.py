"""A request commits all of its changes or none, and storage trouble never poisons later requests."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from durable_workflow.server import DevServer
from tests.server.helpers import CP, env


@pytest.fixture
async def disk_server(tmp_path: Path) -> AsyncIterator[tuple[DevServer, httpx.AsyncClient]]:
    server = DevServer(serve_http=False, db_path=str(tmp_path / "dev.sqlite"))
    server.storage.busy_timeout = 0.2  # a locked database fails the commit quickly
    async with server:
        transport = server.asgi_transport()
        async with httpx.AsyncClient(transport=transport, base_url="http://dev", headers=CP) as client:
            yield server, client


def _start(workflow_id: str) -> dict[str, object]:
    return {"workflow_id": workflow_id, "workflow_type": "t", "task_queue": "q", "input": env([1])}


def _stored_runs(path: str, workflow_id: str) -> int:
    with sqlite3.connect(path) as db:
        row = db.execute(
            "SELECT COUNT(*) FROM docs WHERE kind = 'run' AND json_extract(body, '$.workflow_id') = ?",
            (workflow_id,),
        ).fetchone()
    return int(row[0])


async def test_a_failed_commit_leaves_nothing_behind(
    disk_server: tuple[DevServer, httpx.AsyncClient],
) -> None:
    server, client = disk_server
    assert (await client.post("/api/workflows", json=_start("before"))).status_code == 201
    blocker = sqlite3.connect(server.db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock: the commit must fail
    try:
        resp = await client.post("/api/workflows", json=_start("lost"))
        assert resp.status_code == 503 and resp.json()["reason"] == "storage_unavailable"
        assert (await client.get("/api/workflows/lost")).status_code == 404
        listed = (await client.get("/api/workflows")).json()["workflows"]
        assert [w["workflow_id"] for w in listed] == ["before"]
        health = await client.get("/api/health")
        assert health.status_code == 503 and health.json()["checks"]["database"] == "error"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert _stored_runs(server.db_path, "lost") == 0
    # The next request succeeds and nothing of the failed one comes back with it.
    resp = await client.post("/api/workflows", json=_start("after"))
    assert resp.status_code == 201, resp.text
    assert (await client.get("/api/health")).status_code == 200
    assert _stored_runs(server.db_path, "lost") == 0 and _stored_runs(server.db_path, "after") == 1
    resp = await client.post("/api/workflows", json=_start("lost"))
    assert resp.status_code == 201 and resp.json()["outcome"] == "started_new"
    describe = (await client.get("/api/workflows/before")).json()
    assert describe["status"] == "pending"


async def test_a_locked_disk_does_not_block_health(disk_server: tuple[DevServer, httpx.AsyncClient]) -> None:
    server, client = disk_server
    server.storage.busy_timeout = 5.0
    server.storage.close()  # reopen so the writer waits up to 5 s for the lock
    server.storage.open()
    blocker = sqlite3.connect(server.db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        start = asyncio.create_task(client.post("/api/workflows", json=_start("slow")))
        await asyncio.sleep(0.1)
        for _ in range(5):
            assert (await client.get("/api/health")).status_code == 200
        assert not start.done(), "the start should still be waiting for the disk"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert (await start).status_code == 201
    assert _stored_runs(server.db_path, "slow") == 1


async def test_full_durability_syncs_every_commit(tmp_path: Path) -> None:
    async with DevServer(
        serve_http=False, db_path=str(tmp_path / "full.sqlite"), durability="full"
    ) as server:
        transport = server.asgi_transport()
        async with httpx.AsyncClient(transport=transport, base_url="http://dev", headers=CP) as client:
            assert (await client.post("/api/workflows", json=_start("durable"))).status_code == 201
        assert server.storage.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL: fsync per commit
        assert _stored_runs(server.db_path, "durable") == 1
    with pytest.raises(ValueError, match="durability"):
        DevServer(durability="sometimes")  # type: ignore[arg-type]
