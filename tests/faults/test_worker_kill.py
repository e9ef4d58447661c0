"""SIGKILL a worker process in the middle of an activity: the activity is redelivered once its lease
expires and the workflow completes on another worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

import httpx
import pytest

from durable_workflow import Client, Worker
from durable_workflow.server import DevServer
from tests.faults._support import event_counts, history, wait_until
from tests.faults._workflows import Blocking, block_in_child

ROOT = Path(__file__).resolve().parents[2]


def _spawn_worker(base_url: str, marker: Path, log: BinaryIO) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DW_FAULT_MARKER": str(marker),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.faults._worker_proc", base_url, "kill-q"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


@pytest.mark.slow
async def test_worker_killed_mid_activity_is_redelivered(tmp_path: Path) -> None:
    marker = tmp_path / "attempt-started"
    async with DevServer(port=0, activity_lease_seconds=1) as server, Client(server.base_url) as client:
        handle = await client.start_workflow("fault_blocking", "kill-q", "blocked-1")
        log = tmp_path / "worker.log"
        with log.open("wb") as log_file:
            child = _spawn_worker(server.base_url, marker, log_file)
        try:

            async def attempt_running() -> bool:
                assert child.poll() is None, log.read_text()
                return marker.exists()

            await wait_until(attempt_running, timeout=20, interval=0.05)
            assert marker.read_text().strip() == "1"
            os.kill(child.pid, signal.SIGKILL)
        finally:
            if child.poll() is None:
                child.kill()
            child.wait(10)
        assert child.returncode == -signal.SIGKILL
        worker = Worker(
            client, task_queue="kill-q", workflows=[Blocking], activities=[block_in_child], poll_timeout=1
        )
        async with worker:
            result = await handle.result(timeout=20)
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            _, events = await history(http, "blocked-1")
        trail = [(e["event_type"], e["payload"].get("attempt_number"), e["recorded_at"]) for e in events]
        # The killed worker's open long poll claims nothing (its connection is gone), so the
        # redelivered attempt 2 goes to the live worker.
        assert result["pid"] == os.getpid() and result["attempt"] == 2, trail
        counts = event_counts(events)
        assert counts["ActivityScheduled"] == 1 and counts["ActivityCompleted"] == 1, counts
        assert counts["WorkflowCompleted"] == 1, counts
        attempts = [e["payload"]["attempt_number"] for e in events if e["event_type"] == "ActivityStarted"]
        assert attempts == list(range(1, result["attempt"] + 1)), trail
        # Nothing reported the killed attempt: it was closed by lease expiry, not by a failure report.
        assert counts["ActivityFailed"] == 0, counts
