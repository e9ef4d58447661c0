"""The quickstart greeter (same shape as examples/greeter.py): one activity, then the result."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from durable_workflow import WorkflowContext, activity, workflow

__all__ = ["GreeterWorkflow", "expected", "greet"]


@activity.defn(name="greet")
async def greet(name: str) -> dict[str, Any]:
    return {"greeting": f"Hello, {name}!", "length": len(name)}


@workflow.defn(name="greeter")
class GreeterWorkflow:
    def run(self, ctx: WorkflowContext, name: str) -> Generator[Any, Any, dict[str, Any]]:
        result = yield from ctx.activity(greet, start_to_close_timeout=30)(name)
        return result


def expected(name: str) -> dict[str, Any]:
    return {"greeting": f"Hello, {name}!", "length": len(name)}
