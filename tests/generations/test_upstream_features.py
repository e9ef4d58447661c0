"""The upstream Python SDK 2.x worker with today's features (sticky cache, memo upserts, an update
validator) serving our client through our dev server: upstream's own scenario, restated."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from durable_workflow import Client, UpdateRejected
from tests.generations.test_upstream_sdk import upstream_python

pytestmark = pytest.mark.slow
__all__ = ["upstream_python"]  # the fixture, imported so pytest finds it here

UPSTREAM_WORKER = """
import asyncio, json, sys
from durable_workflow import Client, Worker, activity, workflow


@activity.defn(name="up_step")
def up_step(i):
    return i + 1


@workflow.defn(name="up_features")
class UpFeatures:
    def __init__(self):
        self.total = 0
        self.done = False

    @workflow.update("add")
    def add(self, n):
        self.total += n
        return self.total

    @add.validator
    def check_add(self, n):
        if n <= 0:
            raise ValueError("n must be positive")

    @workflow.signal("finish")
    def finish(self):
        self.done = True

    def run(self, ctx, steps):
        for i in range(steps):
            self.total += yield ctx.schedule_activity("up_step", [i])
        yield ctx.upsert_memo({"stage": "stepped", "steps": steps})
        yield ctx.wait_condition(lambda: self.done)
        return self.total


async def main(url, workflow_id):
    client = Client(url)
    worker = Worker(client, task_queue="up-features", workflows=[UpFeatures], activities=[up_step],
                    poll_timeout=2, sticky_cache_capacity=10)
    await worker.run_until(workflow_id=workflow_id, timeout=60)
    print(json.dumps(worker.sticky_cache_metrics()))


asyncio.run(main(*sys.argv[1:]))
"""


async def test_an_upstream_worker_with_todays_features(
    upstream_python: Path, live_server_url: str, tmp_path: Path
) -> None:
    script = tmp_path / "upstream_worker.py"
    script.write_text(UPSTREAM_WORKER)
    command = [str(upstream_python), str(script), live_server_url, "up-features-1"]
    async with Client(live_server_url) as client:
        # started first: the upstream worker's run_until describes the workflow at once
        handle = await client.start_workflow("up_features", "up-features", "up-features-1", [3])
        upstream = asyncio.create_task(
            asyncio.to_thread(
                subprocess.run, command, capture_output=True, text=True, timeout=90, cwd=tmp_path
            )
        )
        for _ in range(300):
            if upstream.done() or (await handle.describe()).memo:
                break
            await asyncio.sleep(0.1)
        with pytest.raises(UpdateRejected):
            await handle.update("add", [-1])
        assert (await handle.update("add", [5])).result == 11
        await handle.signal("finish")
        assert await handle.result(timeout=30) == 11
        described = await handle.describe()
        history = await handle.history()
    done = await upstream
    assert done.returncode == 0, done.stderr[-2000:]
    metrics: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert described.memo == {"stage": "stepped", "steps": 3}
    accepted = [e["payload"]["update_name"] for e in history if e["event_type"] == "UpdateAccepted"]
    rejected = [e for e in history if e["event_type"] == "UpdateRejected"]
    assert accepted == ["add"] and len(rejected) == 1  # the -1 was never accepted
    assert metrics["miss"] >= 1  # the upstream sticky cache ran (our warm deliveries are suffixes)
