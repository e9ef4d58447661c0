"""Handler names and ids with URL-special characters reach the right handler, unchanged;
ids the server would refuse (or could not address) are refused before any request."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from durable_workflow import (
    Client,
    InvalidArgument,
    ScheduleAction,
    ScheduleNotFound,
    ScheduleSpec,
    Worker,
    WorkflowContext,
    workflow,
)
from durable_workflow.client._routes import api_path, route_template
from durable_workflow.server import DevServer

NAMES = ["a?b=1", "approve#2", "pct%41", "a/b", "two words", "grüße-✓", "..x", "%2F"]


class Echo:
    def __init__(self) -> None:
        self.seen: list[list[Any]] = []
        self.done = False

    @workflow.signal("finish")
    def finish(self) -> None:
        self.done = True

    @workflow.query("seen")
    def get_seen(self) -> list[list[Any]]:
        return self.seen

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, list[list[Any]]]:
        yield ctx.wait_condition(lambda: self.done)
        return self.seen


def _handlers(name: str) -> dict[str, Any]:
    """A signal, a query and an update registered under ``name``."""

    def on_signal(self: Echo, value: Any) -> None:
        self.seen.append(["signal", name, value])

    def on_query(self: Echo) -> str:
        return f"query {name}"

    def on_update(self: Echo, value: Any) -> str:
        self.seen.append(["update", name, value])
        return f"update {name}"

    index = NAMES.index(name)
    return {
        f"signal_{index}": workflow.signal(name)(on_signal),
        f"query_{index}": workflow.query(name)(on_query),
        f"update_{index}": workflow.update(name)(on_update),
    }


EchoAll = workflow.defn(name="names_echo_all")(
    type("EchoAll", (Echo,), {k: v for name in NAMES for k, v in _handlers(name).items()})
)


async def test_handler_names_round_trip(client: Client) -> None:
    async with Worker(client, task_queue="names", workflows=[EchoAll], poll_timeout=1):
        handle = await client.start_workflow("names_echo_all", "names", "names-1")
        for index, name in enumerate(NAMES):
            await handle.signal(name, [index])
            assert await handle.query(name) == f"query {name}"
            assert (await handle.update(name, [index])).result == f"update {name}"
        await handle.signal("finish")
        seen = await handle.result(timeout=10)
    expected = [[kind, name, i] for i, name in enumerate(NAMES) for kind in ("signal", "update")]
    assert seen == expected


@pytest.mark.parametrize(
    "schedule_id", ["sched?x=1", "sched#1", "sched%41", "sched/1", "sched 1", "zeitplan-ü"]
)
async def test_schedule_ids_round_trip(client: Client, schedule_id: str) -> None:
    spec = ScheduleSpec(cron_expressions=["0 0 1 1 *"])
    handle = await client.create_schedule(
        schedule_id, spec=spec, action=ScheduleAction(workflow_type="t", task_queue="q")
    )
    assert handle.schedule_id == schedule_id
    assert (await handle.describe()).schedule_id == schedule_id
    await handle.pause(note="paused")
    assert (await handle.describe()).paused
    await handle.delete()
    with pytest.raises(ScheduleNotFound, match="schedule"):
        await client.describe_schedule(schedule_id)


@pytest.mark.parametrize(
    "workflow_id", [".", "..", "a/b", "a?b", "a#b", "a%41", "a b", "grüße", "", "x" * 129]
)
async def test_workflow_ids_the_server_refuses_are_refused_client_side(workflow_id: str) -> None:
    # No server at all: the refusal happens before any request is made.
    async with Client("http://127.0.0.1:9") as client:
        with pytest.raises(InvalidArgument, match="workflow id") as caught:
            await client.start_workflow("t", "q", workflow_id)
    assert isinstance(caught.value, ValueError) and "workflow id" in caught.value.errors


@pytest.mark.parametrize("segment", [".", "..", ""])
async def test_unaddressable_ids_and_names_are_refused(segment: str) -> None:
    async with Client("http://127.0.0.1:9") as client:
        with pytest.raises(InvalidArgument):
            await client.describe_workflow(segment)
        with pytest.raises(InvalidArgument):
            await client.signal_workflow("w", segment)
        with pytest.raises(InvalidArgument):
            await client.describe_schedule(segment)


def test_paths_encode_every_segment_and_template_for_metrics() -> None:
    path = api_path("workflows", "w-1", "signal", "a?b=1#c/d %41")
    assert path == "/workflows/w-1/signal/a%3Fb%3D1%23c%2Fd%20%2541"
    assert route_template(path) == "/workflows/{workflow_id}/signal/{name}"


async def test_ids_reach_the_server_literally_over_real_http() -> None:
    """Over loopback (uvicorn), not only over the in-process ASGI transport."""
    async with DevServer(port=0) as server, Client(server.base_url) as client:
        handle = await client.create_schedule(
            "loop/back?#%41",
            spec=ScheduleSpec(cron_expressions=["0 0 1 1 *"]),
            action=ScheduleAction(workflow_type="t", task_queue="q"),
        )
        assert (await handle.describe()).schedule_id == "loop/back?#%41"
