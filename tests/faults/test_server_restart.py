"""Kill the dev server while completions are in flight, restart it on the same database.

The worker must hold on to every finished activity and every decided workflow task, deliver
them once the server is back (the leases are the dev server's default 300 s, so waiting for a
lease to expire would be obvious), and never run an activity step twice. The activities use
``start_to_close_timeout=30`` and no retry policy, so a dropped completion would fail its
workflow rather than merely slow it down.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from durable_workflow import Client, Worker, WorkflowContext, activity, workflow
from tests.faults._support import ServerProc, free_port

WORKFLOWS = 5
STEPS = 3

#: Each activity step's executions in this process, keyed by (workflow id, step).
steps: Counter[tuple[str, int]] = Counter()
#: Kills the server from inside a workflow task (set by the test); called at most once.
kill_hook: list[Any] = []


@activity.defn(name="restart_step")
async def step(index: int) -> int:
    steps[(activity.context().info.workflow_id or "?", index)] += 1
    await asyncio.sleep(0.5)
    return index * 10


@workflow.defn(name="restart_three_steps")
class ThreeSteps:
    def run(self, ctx: WorkflowContext, trigger: bool) -> Generator[Any, Any, list[int]]:
        results: list[int] = []
        for index in range(STEPS):
            if trigger and index == 1 and kill_hook and not ctx.is_replaying:
                # Dies while this workflow task is being decided: its completion is in flight,
                # and the other workflows' activities are running.
                kill_hook.pop()()
            value = yield from ctx.activity(step, start_to_close_timeout=30)(index)
            results.append(value)
        return results


@pytest.mark.slow
async def test_completions_in_flight_survive_a_server_restart(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="durable_workflow.worker")
    server = ServerProc(tmp_path / "dev.sqlite", free_port())
    await server.start()
    steps.clear()
    killed = asyncio.Event()
    loop = asyncio.get_running_loop()

    def kill() -> None:
        server.kill()
        loop.call_soon(killed.set)

    kill_hook[:] = [kill]
    ids = [f"restart-{i}" for i in range(WORKFLOWS)]
    try:
        async with Client(server.base_url, timeout=5) as client:
            worker = Worker(
                client,
                task_queue="restart",
                workflows=[ThreeSteps],
                activities=[step],
                poll_timeout=1,
                shutdown_timeout=1,
            )
            async with worker:
                handles = [
                    await client.start_workflow("restart_three_steps", "restart", wid, [i == 0])
                    for i, wid in enumerate(ids)
                ]
                await asyncio.wait_for(killed.wait(), 20)
                await asyncio.sleep(1.5)  # the server stays down while the in-flight work finishes
                await server.start()
                restarted = time.monotonic()
                results = await asyncio.gather(*(h.result(timeout=30) for h in handles))
                recovered_in = time.monotonic() - restarted
    finally:
        server.stop()

    assert results == [[0, 10, 20]] * WORKFLOWS
    assert recovered_in < 8, f"took {recovered_in:.1f} s after the restart (a lease wait?)"
    assert steps == Counter({(wid, i): 1 for wid in ids for i in range(STEPS)}), steps
    retried = [r.getMessage() for r in caplog.records if "not delivered" in r.getMessage()]
    assert any(m.startswith("workflow task") for m in retried), retried
    assert any(m.startswith("activity task") for m in retried), retried
