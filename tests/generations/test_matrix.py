"""The 14 scenario families against the dev server in each wire generation, and across encodings.

* ``seed``: the server pinned to the seed generation; client and worker at default settings
  negotiate worker protocol 1.1 and the Avro generic wrapper.
* ``current``: the server of today's generation; default settings negotiate 1.20 and ``Value`` v1.
* ``wrapper-client/value-v1-worker`` and ``value-v1-client/wrapper-worker``: a client forced to
  one frame against a worker forced to the other. The worker answers every run in the frame the
  run was started in, so every payload of every run stays in the client's frame.

Time skips (in-process server, fake clock), so timers, retries and backoffs cost no wall time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from durable_workflow import Client, Worker, WorkflowHandle
from durable_workflow.payloads import framing_of
from durable_workflow.testing import WorkflowEnvironment
from tests.generations.scenarios import ACTIVITIES, QUEUE, SCENARIOS, WORKFLOWS, Rig

_BLOB_KEYS = ("arguments", "result", "output", "input")


@dataclass(frozen=True)
class Setup:
    generation: str
    client_encoding: str
    worker_encoding: str | None  # None: the worker shares the client (default settings)
    frame: str  # the frame every payload of every run must use


SETUPS = {
    "seed": Setup("seed", "auto", None, "wrapper"),
    "current": Setup("current", "auto", None, "value-v1"),
    "wrapper-client/value-v1-worker": Setup("current", "wrapper", "value-v1", "wrapper"),
    "value-v1-client/wrapper-worker": Setup("current", "value-v1", "wrapper", "value-v1"),
}


@pytest.fixture(params=list(SETUPS), ids=list(SETUPS))
def setup(request: pytest.FixtureRequest) -> Setup:
    return SETUPS[str(request.param)]


@pytest.fixture
async def rig(setup: Setup) -> AsyncIterator[Rig]:
    options = {"wire_generation": setup.generation, "long_poll_timeout": 2.0}
    env = WorkflowEnvironment(payload_encoding=setup.client_encoding, server_options=options)  # type: ignore[arg-type]
    async with env:
        if setup.worker_encoding is None:
            async with env.worker(task_queue=QUEUE, workflows=WORKFLOWS, activities=ACTIVITIES):
                yield Rig(env, env.client)
            return
        worker_client = Client(
            env.server.base_url,
            transport=env.server.asgi_transport(),
            payload_encoding=setup.worker_encoding,  # type: ignore[arg-type]
        )
        worker = Worker(
            worker_client,
            task_queue=QUEUE,
            workflows=WORKFLOWS,
            activities=ACTIVITIES,
            poll_timeout=1.0,
            shutdown_timeout=2.0,
        )
        async with worker_client, worker:
            yield Rig(env, env.client)


def _frames(value: Any) -> Iterator[str | None]:
    if isinstance(value, Mapping):
        if set(value) == {"codec", "blob"}:
            yield framing_of(value)
            return
        for key in _BLOB_KEYS:
            if key in value:
                yield from _frames(value[key])
    elif isinstance(value, str):
        yield framing_of(value)


async def _run_frames(client: Client, handle: WorkflowHandle[Any]) -> set[str | None]:
    """The frames of every payload of every run of the workflow: start input and history."""
    frames: set[str | None] = set()
    runs = await client._control("GET", f"/workflows/{handle.workflow_id}/runs")
    for run in runs.get("runs") or []:
        bundle = await client.export_history(handle.workflow_id, run["run_id"])
        frames.add(framing_of(bundle["payloads"]["arguments"]["data"]))
        for event in bundle["history_events"]:
            frames.update(_frames(event.get("payload") or {}))
    return frames - {None}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_scenario(rig: Rig, setup: Setup, scenario: str) -> None:
    handles = await SCENARIOS[scenario](rig)
    generation = await rig.client.negotiate()
    assert generation.name == setup.generation
    for handle in handles:
        assert await _run_frames(rig.client, handle) == {setup.frame}, handle.workflow_id
