"""SIGKILL the dev server with 100 workflows in flight, restart it on the same database, lose nothing."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from pathlib import Path

import httpx
import pytest

from durable_workflow import Client, TransportRetryPolicy, Worker
from durable_workflow.payloads import DEFAULT_CONVERTER
from tests.faults._support import CP, ServerProc, event_counts, free_port, history, wait_until
from tests.faults._workflows import TwoStep, calls, expected, greet, shout

WORKFLOWS = 100


async def _closed(http: httpx.AsyncClient, ids: list[str]) -> int:
    params: dict[str, str | int] = {"page_size": 200, "status": "completed"}
    listed = (await http.get("/api/workflows", params=params, headers=CP)).json()
    return len({w["workflow_id"] for w in listed["workflows"]} & set(ids))


@pytest.mark.slow
async def test_sigkill_with_100_workflows_in_flight_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    server = ServerProc(
        tmp_path / "dev.sqlite",
        free_port(),
        "--workflow-task-lease-seconds",
        "2",
        "--activity-lease-seconds",
        "2",
    )
    await server.start()
    calls.clear()
    ids = [f"kill-{i}" for i in range(WORKFLOWS)]
    retry = TransportRetryPolicy(max_attempts=2, initial_backoff_seconds=0.05, maximum_backoff_seconds=0.2)
    try:
        async with Client(server.base_url, retry_policy=retry, timeout=10) as client:
            worker = Worker(
                client,
                task_queue="faults",
                workflows=[TwoStep],
                activities=[greet, shout],
                poll_timeout=1,
                shutdown_timeout=1,
                max_concurrent_workflow_tasks=16,
                max_concurrent_activity_tasks=16,
            )
            async with worker, httpx.AsyncClient(base_url=server.base_url) as http:
                await asyncio.gather(
                    *(client.start_workflow("fault_two_step", "faults", i, [i]) for i in ids)
                )
                # Kill once some (not all) runs are done: the rest are mid-task or queued.
                await wait_until(lambda: _some_done(http, ids), timeout=30, interval=0.02)
                server.kill()
                killed_with = _count_done_offline(server)
                await server.start()
                await wait_until(lambda: _all_done(http, ids), timeout=40, interval=0.25)
                assert 0 < killed_with < WORKFLOWS, killed_with
                await _check_histories(http, ids)
    finally:
        server.stop()


async def _some_done(http: httpx.AsyncClient, ids: list[str]) -> bool:
    return await _closed(http, ids) >= 10


async def _all_done(http: httpx.AsyncClient, ids: list[str]) -> bool:
    return await _closed(http, ids) == len(ids)


def _count_done_offline(server: ServerProc) -> int:
    """Runs completed in the killed server's SQLite file, read while it is down (proves the kill
    came with work both finished and unfinished)."""
    db = sqlite3.connect(server.db)
    try:
        query = "SELECT COUNT(DISTINCT run_id) FROM events WHERE event_type = 'WorkflowCompleted'"
        (count,) = db.execute(query).fetchone()
    finally:
        db.close()
    return int(count)


async def _check_histories(http: httpx.AsyncClient, ids: list[str]) -> None:
    executions: Counter[str] = Counter()
    for workflow_id in ids:
        described, events = await history(http, workflow_id)
        assert described["status"] == "completed" and described["run_count"] == 1, described
        counts = event_counts(events)
        assert counts["WorkflowCompleted"] == 1, (workflow_id, counts)
        assert counts["ActivityScheduled"] == 2 and counts["ActivityCompleted"] == 2, (workflow_id, counts)
        completed = [
            e["payload"]["activity_execution_id"] for e in events if e["event_type"] == "ActivityCompleted"
        ]
        assert len(set(completed)) == 2, (workflow_id, completed)
        started = counts["ActivityStarted"]
        # Each extra start is a retry after a lost lease (the kill); never more than one per activity.
        assert 2 <= started <= 4, (workflow_id, counts)
        executions[workflow_id] = started
        output = next(e for e in events if e["event_type"] == "WorkflowCompleted")["payload"]["output"]
        assert DEFAULT_CONVERTER.decode(output) == expected(workflow_id)
    # Activity bodies ran at least once per completion and re-ran only for attempts the kill cut short.
    for workflow_id in ids:
        ran = calls[(workflow_id, "fault_greet")] + calls[(workflow_id, "fault_shout")]
        assert 2 <= ran <= executions[workflow_id], (workflow_id, ran, executions[workflow_id])
