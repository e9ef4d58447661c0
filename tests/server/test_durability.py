"""Kill -9 the dev server mid-workflow, restart it on the same database, and lose nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.helpers import CP, WP, activity, env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _spawn(db: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "durable_workflow.server",
            "--port",
            str(port),
            "--db",
            str(db),
            "--workflow-task-lease-seconds",
            "1",
            "--activity-lease-seconds",
            "1",
            "--log-level",
            "WARNING",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                if (await client.get(f"http://127.0.0.1:{port}/api/health")).status_code == 200:
                    return proc
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    proc.kill()
    raise AssertionError("dev server did not come up")


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    resp = await client.post(path, json=body, headers=headers)
    assert resp.status_code < 300, resp.text
    return resp.json()


@pytest.mark.slow
async def test_sigkill_and_restart_loses_nothing(tmp_path: Path) -> None:
    db, port = tmp_path / "dev.sqlite", _free_port()
    proc = await _spawn(db, port)
    base = f"http://127.0.0.1:{port}"
    poll = {"worker_id": "w1", "task_queue": "q", "timeout_seconds": 2}
    try:
        async with httpx.AsyncClient(base_url=base) as c:
            await _post(
                c, "/api/worker/register", {"worker_id": "w1", "task_queue": "q", "runtime": "python"}, WP
            )
            for i in range(3):
                await _post(
                    c,
                    "/api/workflows",
                    {"workflow_id": f"d-{i}", "workflow_type": "t", "task_queue": "q", "input": env([i])},
                    CP,
                )
            first = (await _post(c, "/api/worker/workflow-tasks/poll", poll, WP))["task"]
            await _post(
                c,
                f"/api/worker/workflow-tasks/{first['task_id']}/complete",
                {"lease_owner": "w1", "workflow_task_attempt": 1, "commands": [activity("a")]},
                WP,
            )
            leased = (await _post(c, "/api/worker/workflow-tasks/poll", poll, WP))["task"]
            act = (await _post(c, "/api/worker/activity-tasks/poll", poll, WP))["task"]
            await _post(c, "/api/workflows/d-2/signal/go", {"input": env(["now"])}, CP)
            before = {}
            for i in range(3):
                run_id = (await c.get(f"/api/workflows/d-{i}", headers=CP)).json()["run_id"]
                events = (await c.get(f"/api/workflows/d-{i}/runs/{run_id}/history", headers=CP)).json()[
                    "events"
                ]
                before[f"d-{i}"] = [e["event_type"] for e in events]
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    proc = await _spawn(db, port)
    try:
        async with httpx.AsyncClient(base_url=base) as c:
            for workflow_id, types in before.items():
                run_id = (await c.get(f"/api/workflows/{workflow_id}", headers=CP)).json()["run_id"]
                events = (
                    await c.get(f"/api/workflows/{workflow_id}/runs/{run_id}/history", headers=CP)
                ).json()
                assert [e["event_type"] for e in events["events"]] == types
            assert "SignalReceived" in before["d-2"] and "ActivityStarted" in before[first["workflow_id"]]
            redelivered = []
            for _ in range(2):  # the leased task and the one never polled (no re-registration needed)
                task = (await _post(c, "/api/worker/workflow-tasks/poll", poll, WP))["task"]
                assert task is not None
                redelivered.append(task)
            again = next(t for t in redelivered if t["task_id"] == leased["task_id"])
            assert again["workflow_task_attempt"] == 2
            act2 = (await _post(c, "/api/worker/activity-tasks/poll", poll, WP))["task"]
            assert act2["task_id"] == act["task_id"] and act2["attempt_number"] == 2
            stale = await c.post(
                f"/api/worker/activity-tasks/{act['task_id']}/complete",
                headers=WP,
                json={
                    "activity_attempt_id": act["activity_attempt_id"],
                    "lease_owner": "w1",
                    "result": env(1),
                },
            )
            assert stale.status_code == 409
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(10)
