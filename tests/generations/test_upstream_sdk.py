"""The upstream Python SDK 2.x (current generation) against our dev server, client and worker.

The upstream package is not a dependency (its distribution name is ours too), so it is installed
once into a throwaway venv under pytest's cache directory; without a package index the test skips.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
import venv
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from durable_workflow import Client, ServerError, Worker
from tests.generations.scenarios import ACTIVITIES, WORKFLOWS

pytestmark = pytest.mark.slow

# Runs under the upstream SDK's interpreter: a worker that serves "up_greeter", or a client that
# drives the scenario families (those without long timers, as this server runs on the real clock)
# on our worker and prints each one's outcome.
UPSTREAM_SCRIPT = """
import asyncio, json, sys, uuid
from durable_workflow import Client, Worker, WorkflowHandle, activity, workflow
from durable_workflow.errors import WorkflowCancelled, WorkflowFailed, WorkflowTerminated


@activity.defn(name="up_greet")
def up_greet(name):
    return "Hi from 2.x, " + name + "!"


@workflow.defn(name="up_greeter")
class UpGreeter:
    def __init__(self):
        self.names = []
        self.bumps = 0

    @workflow.signal("add")
    def add(self, name):
        self.names.append(name)

    @workflow.query("count")
    def count(self):
        return len(self.names)

    @workflow.update("bump")
    def bump(self, by):
        self.bumps += by
        return self.bumps

    def run(self, ctx, wanted):
        yield ctx.wait_condition(lambda: len(self.names) >= wanted, key="names")
        greeting = yield ctx.schedule_activity("up_greet", [" and ".join(self.names)])
        return {"greeting": greeting, "bumps": self.bumps}


def value(answer):
    return answer.get("result") if isinstance(answer, dict) and "result" in answer else answer


async def scenarios(client):
    q = "generations"

    async def start(kind, *args):
        wid = kind + "-" + uuid.uuid4().hex[:8]
        options = {"workflow_type": kind, "task_queue": q, "workflow_id": wid}
        handle = await client.start_workflow(input=list(args), **options)
        return wid, handle

    async def result(handle):
        return await client.get_result(handle, timeout=60, poll_interval=0.1)

    async def greeter():
        _, h = await start("gen_greeter", "Bo")
        assert await result(h) == "Hello, Bo!"

    async def fan_out():
        _, h = await start("gen_fan_out", ["a", "b"])
        assert await result(h) == ["Hello, a!", "Hello, b!"]

    async def child():
        _, h = await start("gen_parent", "Cy")
        assert await result(h) == {"child": "Hello, Cy!"}

    async def signal_query_condition():
        wid, h = await start("gen_collector", 2)
        await client.signal_workflow(wid, "add", args=["first"])
        for _ in range(100):
            if value(await client.query_workflow(wid, "count")) == 1:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("query never saw the first signal")
        await client.signal_workflow(wid, "add", args=["second"])
        assert await result(h) == ["first", "second"]

    async def signal_wait():
        wid, h = await start("gen_waiter")
        await client.signal_workflow(wid, "go", args=["Di", 3])
        assert await result(h) == {"who": "Di", "how_many": 3}

    async def update():
        wid, h = await start("gen_counter")
        assert value(await client.update_workflow(wid, "increment", args=[2], wait_for="completed")) == 2
        assert value(await client.update_workflow(wid, "increment", args=[5], wait_for="completed")) == 7
        await client.signal_workflow(wid, "finish")
        assert await result(h) == 7

    async def continue_as_new():
        wid, _ = await start("gen_countdown", 1, [])
        # A handle without a run id: 2.x reads the result of the run the handle names.
        assert await result(WorkflowHandle(client, wid)) == [1]

    async def activity_retry():
        _, h = await start("gen_retrying", "flaky")
        assert await result(h) == "flaky ok after 3 attempts"

    async def non_retryable_failure():
        _, h = await start("gen_refusing", "card declined")
        try:
            await result(h)
        except WorkflowFailed as error:
            assert "card declined" in str(error), str(error)
        else:
            raise AssertionError("the workflow should have failed")

    async def cancel():
        wid, h = await start("gen_sleeper")
        await client.cancel_workflow(wid, reason="no longer needed")
        try:
            await result(h)
        except WorkflowCancelled:
            pass
        else:
            raise AssertionError("the workflow should have been cancelled")

    async def terminate():
        wid, h = await start("gen_sleeper")
        await client.terminate_workflow(wid, reason="operator stop")
        try:
            await result(h)
        except WorkflowTerminated:
            pass
        else:
            raise AssertionError("the workflow should have been terminated")

    async def listing():
        wid, h = await start("gen_greeter", "Ed")
        await result(h)
        listed = await client.list_workflows(workflow_type="gen_greeter", status="completed")
        assert wid in [e.workflow_id for e in listed.executions]
        described = await client.describe_workflow(wid)
        assert (described.input, described.output) == (["Ed"], "Hello, Ed!"), described

    checks = [greeter, fan_out, child, signal_query_condition, signal_wait, update, continue_as_new,
              activity_retry, non_retryable_failure, cancel, terminate, listing]

    async def outcome(check):
        try:
            await check()
            return "ok"
        except Exception as error:
            return type(error).__name__ + ": " + str(error)

    found = await asyncio.gather(*(outcome(c) for c in checks))
    return {c.__name__: o for c, o in zip(checks, found)}


async def main(mode, url, workflow_id):
    client = Client(url)
    if mode == "worker":
        worker = Worker(client, task_queue="up", workflows=[UpGreeter], activities=[up_greet], poll_timeout=2)
        await worker.run_until(workflow_id=workflow_id, timeout=60)
        return
    print(json.dumps(await scenarios(client)))


asyncio.run(main(*sys.argv[1:]))
"""


@pytest.fixture(scope="session")
def upstream_python(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = getattr(request.config, "cache", None)  # absent with -p no:cacheprovider: per session
    if cache is not None:
        home = Path(str(cache.mkdir("upstream-durable-workflow-2")))
    else:
        home = tmp_path_factory.mktemp("upstream-durable-workflow-2")
    python = home / "bin" / "python"
    check = [str(python), "-c", "import durable_workflow as d; assert d.__version__.startswith('2.')"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    venv.create(home, with_pip=True, clear=True)
    install = [str(python), "-m", "pip", "install", "--quiet", "durable-workflow>=2,<3"]
    try:
        done = subprocess.run(install, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.skip("the upstream SDK 2.x could not be installed in time")
    if done.returncode != 0 or subprocess.run(check, capture_output=True).returncode != 0:
        pytest.skip(f"the upstream SDK 2.x is not installable here: {done.stderr.strip()[-300:]}")
    return python


async def _upstream(python: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "upstream_side.py"
    script.write_text(UPSTREAM_SCRIPT)
    # cwd is tmp_path so that our own package (the repository root) does not shadow theirs.
    command = [str(python), str(script), *args]
    return await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, timeout=90, cwd=tmp_path
    )


async def test_an_upstream_worker_serves_our_client(
    upstream_python: Path, live_server_url: str, tmp_path: Path
) -> None:
    """Start, signal (with and without a worker up), query, update and result, in Value v1."""
    workflow_id = f"up-{uuid.uuid4().hex[:8]}"
    async with Client(live_server_url) as client:
        handle = await client.start_workflow("up_greeter", "up", workflow_id, [2])
        await handle.signal("add", ["Ada"])
        worker = asyncio.create_task(
            _upstream(upstream_python, tmp_path, "worker", live_server_url, workflow_id)
        )
        count = await _eventually(lambda: handle.query("count"))  # a 2.x worker answers the query task
        assert count == 1
        assert (await handle.update("bump", [5])).result == 5
        await handle.signal("add", ["Bo"])
        assert await handle.result(timeout=30) == {"greeting": "Hi from 2.x, Ada and Bo!", "bumps": 5}
        done = await worker
        assert done.returncode == 0, done.stdout + done.stderr  # includes its deregistration on stop
        assert (await client.negotiate()).encoding == "value-v1"


async def _eventually(ask: Callable[[], Awaitable[Any]], seconds: float = 30.0) -> Any:
    """The first answer once a worker is there to give it (queries need a live worker)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            return await ask()
        except ServerError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.2)


async def test_an_upstream_client_runs_the_scenarios_on_our_worker(
    upstream_python: Path, live_server_url: str, tmp_path: Path
) -> None:
    workflow_id = f"ours-{uuid.uuid4().hex[:8]}"
    async with (
        Client(live_server_url) as client,
        Worker(client, task_queue="generations", workflows=WORKFLOWS, activities=ACTIVITIES, poll_timeout=2),
    ):
        done = await _upstream(upstream_python, tmp_path, "client", live_server_url, workflow_id)
    assert done.returncode == 0, done.stdout + done.stderr
    outcomes = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcomes == dict.fromkeys(outcomes, "ok") and len(outcomes) == 12, outcomes
