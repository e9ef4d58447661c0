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
from pathlib import Path

import pytest

from durable_workflow import Client, Worker
from tests.generations.scenarios import ACTIVITIES, WORKFLOWS

pytestmark = pytest.mark.slow

# Runs under the upstream SDK's interpreter: a worker that serves "up_greeter", or a client that
# starts a workflow on our worker and prints its result.
UPSTREAM_SCRIPT = """
import asyncio, json, sys
from durable_workflow import Client, Worker, activity, workflow


@activity.defn(name="up_greet")
def up_greet(name):
    return "Hi from 2.x, " + name + "!"


@workflow.defn(name="up_greeter")
class UpGreeter:
    def run(self, ctx, name):
        greeting = yield ctx.schedule_activity("up_greet", [name])
        return {"greeting": greeting}


async def main(mode, url, workflow_id):
    client = Client(url)
    if mode == "worker":
        worker = Worker(client, task_queue="up", workflows=[UpGreeter], activities=[up_greet], poll_timeout=2)
        await worker.run_until(workflow_id=workflow_id, timeout=60)
        return
    handle = await client.start_workflow(
        workflow_type="gen_greeter", task_queue="generations", workflow_id=workflow_id, input=["Bo"]
    )
    print(json.dumps(await client.get_result(handle, timeout=60, poll_interval=0.1)))


asyncio.run(main(*sys.argv[1:]))
"""


@pytest.fixture(scope="session")
def upstream_python(request: pytest.FixtureRequest) -> Path:
    assert request.config.cache is not None
    home = Path(str(request.config.cache.mkdir("upstream-durable-workflow-2")))
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
    workflow_id = f"up-{uuid.uuid4().hex[:8]}"
    async with Client(live_server_url) as client:
        handle = await client.start_workflow("up_greeter", "up", workflow_id, ["Ada"])
        done = await _upstream(upstream_python, tmp_path, "worker", live_server_url, workflow_id)
        assert done.returncode == 0, done.stdout + done.stderr  # includes its deregistration on stop
        assert await handle.result(timeout=10) == {"greeting": "Hi from 2.x, Ada!"}
        assert (await client.negotiate()).encoding == "value-v1"


async def test_our_worker_serves_an_upstream_client(
    upstream_python: Path, live_server_url: str, tmp_path: Path
) -> None:
    workflow_id = f"ours-{uuid.uuid4().hex[:8]}"
    async with (
        Client(live_server_url) as client,
        Worker(client, task_queue="generations", workflows=WORKFLOWS, activities=ACTIVITIES, poll_timeout=2),
    ):
        done = await _upstream(upstream_python, tmp_path, "client", live_server_url, workflow_id)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == "Hello, Bo!"
