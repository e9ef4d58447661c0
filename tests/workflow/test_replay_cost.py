"""Replay cost grows linearly with history length, and the cache makes each task cost O(new events)."""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any

from durable_workflow import workflow
from durable_workflow.payloads import DataConverter
from durable_workflow.workflow import WorkflowCache, WorkflowContext, WorkflowInfo, WorkflowInstance
from tests.workflow._histories import History

CONVERTER = DataConverter()


@workflow.defn(name="loop")
class Loop:
    def run(self, ctx: WorkflowContext, steps: int) -> Generator[Any, Any, Any]:
        total = 0
        for i in range(steps):
            total += yield ctx.schedule_activity("add", [i])
        return total


def loop_history(steps: int) -> list[dict[str, Any]]:
    h = History("loop")
    for i in range(steps):
        h.complete(h.schedule("add"), i)
    return h.events


def replay(steps: int, events: list[dict[str, Any]]) -> tuple[int, float]:
    info = WorkflowInfo("wf", "run", "loop", "q")
    instance = WorkflowInstance(workflow.get_definition(Loop), info, [steps], converter=CONVERTER)
    began = time.perf_counter()
    instance.apply(events)
    elapsed = time.perf_counter() - began
    assert instance.take_commands()[-1]["type"] == "complete_workflow"
    return instance.ops, elapsed


def test_full_replay_cost_is_linear_in_history_length() -> None:
    small, large = loop_history(100), loop_history(1000)
    replay(100, small)  # warm caches (type adapters, imports)
    ops_small, time_small = min(replay(100, small) for _ in range(3))
    ops_large, time_large = min(replay(1000, large) for _ in range(3))
    assert 9 <= ops_large / ops_small <= 11  # measured: 10.0 (operations = events walked + resumptions)
    assert time_large / time_small < 30  # quadratic would be ~100; generous for noisy machines


def test_cached_instance_applies_only_new_events_per_task() -> None:
    steps = 300
    definition = workflow.get_definition(Loop)
    info = WorkflowInfo("wf", "run", "loop", "q")
    cache = WorkflowCache(4)
    h = History("loop")
    instance, _ = workflow.run_workflow_task(
        definition, info, [steps], h.events, converter=CONVERTER, cache=cache
    )
    cache.put(info.run_id, instance)
    for i in range(steps):
        h.complete(h.schedule("add"), i)
        instance, commands = workflow.run_workflow_task(
            definition, info, [steps], list(h.events), converter=CONVERTER, cache=cache
        )
        cache.put(info.run_id, instance)
        assert len(commands) == 1
    assert commands[0]["type"] == "complete_workflow"
    # One instance served every task: its work is proportional to the history, not its square.
    assert instance.ops <= 4 * len(h.events)
