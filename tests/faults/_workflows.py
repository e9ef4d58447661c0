"""Workflows and activities shared by the fault tests (importable by a subprocess worker too)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Generator
from typing import Any

from durable_workflow import WorkflowContext, activity, workflow

__all__ = ["Blocking", "TwoStep", "WaitsForSignal", "block_in_child", "calls", "expected", "greet", "shout"]

#: Activity executions seen by this process, keyed by (workflow id, activity type).
calls: Counter[tuple[str, str]] = Counter()


def _count(kind: str) -> None:
    calls[(activity.context().info.workflow_id or "?", kind)] += 1


@activity.defn(name="fault_greet")
async def greet(name: str) -> str:
    _count("fault_greet")
    await asyncio.sleep(0.01)
    return f"Hello, {name}!"


@activity.defn(name="fault_shout")
async def shout(text: str) -> str:
    _count("fault_shout")
    await asyncio.sleep(0.01)
    return text.upper()


@workflow.defn(name="fault_two_step")
class TwoStep:
    def run(self, ctx: WorkflowContext, name: str) -> Generator[Any, Any, dict[str, Any]]:
        greeting = yield from ctx.activity(greet, start_to_close_timeout=30)(name)
        loud = yield from ctx.activity(shout, start_to_close_timeout=30)(greeting)
        return {"name": name, "greeting": greeting, "loud": loud}


def expected(name: str) -> dict[str, Any]:
    greeting = f"Hello, {name}!"
    return {"name": name, "greeting": greeting, "loud": greeting.upper()}


@workflow.defn(name="fault_waits_for_signal")
class WaitsForSignal:
    def __init__(self) -> None:
        self.received: list[Any] = []

    @workflow.signal("add")
    def add(self, value: Any) -> None:
        self.received.append(value)

    def run(self, ctx: WorkflowContext, expected_signals: int) -> Generator[Any, Any, dict[str, Any]]:
        yield ctx.wait_condition(lambda: len(self.received) >= expected_signals)
        greeting = yield from ctx.activity(greet, start_to_close_timeout=30)(str(self.received[0]))
        return {"signals": list(self.received), "greeting": greeting}


@activity.defn(name="fault_block_in_child")
async def block_in_child() -> dict[str, Any]:
    """In a process started with DW_FAULT_MARKER set: announce the attempt, then hang until killed."""
    import os

    marker = os.environ.get("DW_FAULT_MARKER")
    info = activity.context().info
    if marker:
        with open(marker, "w") as out:
            out.write(f"{info.attempt_number}\n")
        await asyncio.sleep(3600)
    return {"attempt": info.attempt_number, "pid": os.getpid()}


@workflow.defn(name="fault_blocking")
class Blocking:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, dict[str, Any]]:
        result = yield from ctx.activity(block_in_child, start_to_close_timeout=60)()
        return dict(result)
