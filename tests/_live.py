"""A dev server on a loopback port with a worker, on its own thread, for the UI and CLI tests.

Also used by ``tests/ui/make_screenshots.py``. Browsers and the command line block the calling
thread, so the server and the worker run on another thread's event loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from durable_workflow import Client, Worker, WorkflowContext, activity, workflow
from durable_workflow.server import DevServer

TASK_QUEUE = "ui"


@activity.defn(name="ui_greet")
async def ui_greet(name: str) -> dict[str, Any]:
    return {"greeting": f"Hello, {name}!", "length": len(name)}


@activity.defn(name="ui_flaky")
async def ui_flaky(item: str) -> str:
    raise RuntimeError(f"the warehouse API answered 503 for {item}")


@workflow.defn(name="greeter")
class Greeter:
    def run(self, ctx: WorkflowContext, name: str) -> Generator[Any, Any, dict[str, Any]]:
        return (yield from ctx.activity(ui_greet, start_to_close_timeout=30)(name))


@workflow.defn(name="approval")
class Approval:
    """Waits (up to an hour) for the ``decide`` signal."""

    def __init__(self) -> None:
        self.decision: str | None = None

    @workflow.signal("decide")
    def decide(self, decision: str) -> None:
        self.decision = decision

    @workflow.query("decision")
    def current_decision(self) -> str | None:
        return self.decision

    @workflow.update("decide_now")
    def decide_now(self, decision: str) -> str:
        self.decision = decision
        return f"decided {decision}"

    def run(self, ctx: WorkflowContext, request: Any) -> Generator[Any, Any, dict[str, Any]]:
        yield ctx.wait_condition(lambda: self.decision is not None, timeout=3600)
        return {"request": request, "decision": self.decision}


@workflow.defn(name="restock")
class Restock:
    """Calls an activity that keeps failing (retried with backoff), then a child greeter."""

    def run(self, ctx: WorkflowContext, item: str) -> Generator[Any, Any, str]:
        yield ctx.start_child_workflow("greeter", [item])
        policy = {"max_attempts": 5, "backoff_seconds": [600]}
        result: str = yield ctx.schedule_activity(
            "ui_flaky", [item], start_to_close_timeout=30, retry_policy=policy
        )
        return result


WORKFLOWS = [Greeter, Approval, Restock]
ACTIVITIES = [ui_greet, ui_flaky]


@dataclass
class LiveServer:
    url: str
    token: str | None = None


@contextmanager
def live_server(
    *,
    token: str | None = None,
    worker: bool = True,
    task_queue: str = TASK_QUEUE,
    workflows: Sequence[type] = (),
    activities: Sequence[Callable[..., Any]] = (),
) -> Iterator[LiveServer]:
    """A dev server (token auth when ``token`` is given) and a worker serving ``task_queue``.

    The worker runs the workflows and activities of this module, or the ones given.
    """
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def serve() -> None:
        stop = asyncio.Event()
        state["stop"], state["loop"] = stop, asyncio.get_running_loop()
        auth = "token" if token else "none"
        try:
            async with (
                DevServer(port=0, auth_driver=auth, token=token) as server,
                Client(server.base_url, token) as client,
            ):
                state["url"] = server.base_url
                if worker:
                    runner = Worker(
                        client,
                        task_queue=task_queue,
                        workflows=list(workflows or WORKFLOWS),
                        activities=list(activities or ACTIVITIES),
                    )
                    async with runner:
                        ready.set()
                        await stop.wait()
                else:
                    ready.set()
                    await stop.wait()
        finally:
            ready.set()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(20) and "url" in state, "dev server did not start"
    try:
        yield LiveServer(str(state["url"]), token)
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(15)
