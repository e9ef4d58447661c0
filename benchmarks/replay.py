"""Replay cost of N-step histories, without the instance cache (full replay) and with it.

Histories are built in the dev server's shape (ActivityScheduled / ActivityStarted /
ActivityCompleted, correlated by the scheduling event's sequence) so no server is needed.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Generator
from datetime import datetime, timedelta, timezone
from typing import Any

from benchmarks._common import median_time, print_table
from durable_workflow import WorkflowContext, workflow
from durable_workflow.payloads import DataConverter
from durable_workflow.workflow import WorkflowCache, WorkflowInfo, get_definition, run_workflow_task

__all__ = ["history", "main"]

CONVERTER = DataConverter()
STEPS = (10, 100, 1000)


@workflow.defn(name="bench-loop")
class Loop:
    def run(self, ctx: WorkflowContext, steps: int) -> Generator[Any, Any, int]:
        total = 0
        for i in range(steps):
            total += yield ctx.schedule_activity("add", [i])
        return total


def _event(events: list[dict[str, Any]], event_type: str, payload: dict[str, Any]) -> int:
    sequence = len(events) + 1
    at = (datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=sequence)).isoformat()
    stamp = at.replace("+00:00", "Z")
    events.append(
        {
            "id": f"ev-{sequence}",
            "sequence": sequence,
            "event_type": event_type,
            "timestamp": stamp,
            "recorded_at": stamp,
            "payload": payload,
            "workflow_task_id": None,
            "workflow_command_id": None,
        }
    )
    return sequence


def history(steps: int, completed: int | None = None) -> list[dict[str, Any]]:
    """A ``bench-loop`` history with ``completed`` (default: all) of ``steps`` activities done."""
    events: list[dict[str, Any]] = []
    start = {"workflow_type": "bench-loop", "workflow_instance_id": "wf", "workflow_run_id": "run"}
    _event(events, "StartAccepted", {**start, "outcome": "started_new"})
    _event(events, "WorkflowStarted", {**start, "task_queue": "q", "timestamp": "2026-01-01T00:00:00Z"})
    for i in range(steps if completed is None else completed):
        scheduled = len(events) + 1
        common = {"activity_execution_id": f"ae-{i}", "activity_type": "add", "sequence": scheduled}
        args = CONVERTER.encode_blob([i])
        _event(events, "ActivityScheduled", {**common, "arguments": args, "payload_codec": "avro"})
        _event(events, "ActivityStarted", {**common, "attempt_number": 1})
        result = CONVERTER.encode_blob(i)
        _event(events, "ActivityCompleted", {**common, "result": result, "payload_codec": "avro"})
    return events


INFO = WorkflowInfo("wf", "run", "bench-loop", "q")
DEFINITION = get_definition(Loop)


def _task(steps: int, events: list[dict[str, Any]], cache: WorkflowCache | None) -> list[dict[str, Any]]:
    instance, commands = run_workflow_task(
        DEFINITION, INFO, [steps], events, converter=CONVERTER, cache=cache
    )
    if cache is not None:
        cache.put(INFO.run_id, instance)
    return commands


def full_replay_seconds(steps: int) -> float:
    """One workflow task that replays the whole finished history (no cache)."""
    events = history(steps)
    assert _task(steps, events, None)[-1]["type"] == "complete_workflow"
    return median_time(lambda: _task(steps, events, None), number=max(1, 2000 // steps), repeat=5)


def cached_tail_seconds(steps: int, tail: int = 10) -> float:
    """Mean cost of each of the run's last ``tail`` workflow tasks when the instance stays cached."""
    histories = [history(steps, done) for done in range(steps - tail, steps + 1)]
    samples = []
    for _ in range(7):
        cache = WorkflowCache(4)
        _task(steps, histories[0], cache)
        samples.append(_timed(lambda cache=cache: [_task(steps, h, cache) for h in histories[1:]]) / tail)
        assert cache.resumed == tail
    samples.sort()
    return samples[len(samples) // 2]


def _timed(fn: Any) -> float:
    """Seconds for one call, with the garbage collector paused (as timeit does)."""
    gc.disable()
    try:
        began = time.perf_counter()
        fn()
        return time.perf_counter() - began
    finally:
        gc.enable()


def whole_run_seconds(steps: int, cached: bool) -> float:
    """Every workflow task of an N-step run, one after the other (N + 1 tasks)."""

    histories = {done: history(steps, done) for done in range(steps + 1)}

    def run_prebuilt() -> None:
        cache = WorkflowCache(4) if cached else None
        for done in range(steps + 1):
            _task(steps, histories[done], cache)

    return median_time(run_prebuilt, number=1, repeat=3)


def main() -> None:
    rows = []
    full = {n: full_replay_seconds(n) for n in STEPS}
    last = {n: cached_tail_seconds(n) for n in STEPS}
    for n in STEPS:
        events = len(history(n))
        rows.append([n, events, full[n] * 1e6, full[n] / events * 1e6, last[n] * 1e6])
    print_table(
        "Replay cost: one workflow task, N-step activity loop (median)",
        ["steps", "events", "full replay us", "us/event", "cached task us (last 10)"],
        rows,
    )
    print(f"  full replay 1000/100 ratio: {full[1000] / full[100]:.2f}  (linear = 10, quadratic = 100)")
    print(f"  full replay 100/10 ratio:   {full[100] / full[10]:.2f}")
    print(f"  cached task 1000/100 ratio: {last[1000] / last[100]:.2f}  (constant = 1)")
    run_rows = []
    for n in (10, 100, 300):
        with_cache, without = whole_run_seconds(n, True), whole_run_seconds(n, False)
        run_rows.append([n, n + 1, with_cache * 1000, without * 1000, without / with_cache])
    print_table(
        "Whole run, task by task (N + 1 workflow tasks): cache on = O(N), cache off = O(N^2)",
        ["steps", "tasks", "cache on ms", "cache off ms", "off / on"],
        run_rows,
    )
