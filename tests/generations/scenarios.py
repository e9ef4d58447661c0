"""The 14 end-to-end scenario families, each one async function over a `Rig`.

Every scenario starts its workflows with the rig's client, checks the outcome, and returns the
handles of the runs it made so the caller can check the payload framing each run's history uses.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from durable_workflow import (
    ActivityRetryPolicy,
    Client,
    NonRetryableError,
    ScheduleAction,
    ScheduleSpec,
    WorkflowCancelled,
    WorkflowContext,
    WorkflowFailed,
    WorkflowHandle,
    WorkflowTerminated,
    activity,
    workflow,
)
from durable_workflow.testing import WorkflowEnvironment

QUEUE = "generations"


@dataclass
class Rig:
    env: WorkflowEnvironment
    client: Client

    def wid(self, prefix: str) -> str:
        return f"{prefix}-{uuid.uuid4().hex[:8]}"

    async def start(self, workflow_type: str, *args: Any, prefix: str | None = None) -> WorkflowHandle[Any]:
        return await self.client.start_workflow(
            workflow_type, QUEUE, self.wid(prefix or workflow_type), list(args)
        )


# ---------------------------------------------------------------------------------------- activities


@activity.defn(name="gen_greet")
async def greet(name: str) -> str:
    return f"Hello, {name}!"


@activity.defn(name="gen_flaky")
async def flaky(label: str) -> str:
    attempt = activity.context().info.attempt_number
    if attempt < 3:
        raise RuntimeError(f"attempt {attempt} of {label} fails")
    return f"{label} ok after {attempt} attempts"


@activity.defn(name="gen_refuse")
async def refuse(reason: str) -> str:
    raise NonRetryableError(reason)


ACTIVITIES = [greet, flaky, refuse]

# ----------------------------------------------------------------------------------------- workflows


@workflow.defn(name="gen_greeter")
class Greeter:
    def run(self, ctx: WorkflowContext, name: str) -> Generator[Any, Any, str]:
        greeting: str = yield ctx.schedule_activity("gen_greet", [name])
        return greeting


@workflow.defn(name="gen_chain")
class Chain:
    def run(self, ctx: WorkflowContext, name: str) -> Generator[Any, Any, list[str]]:
        first = yield ctx.schedule_activity("gen_greet", [name])
        yield ctx.sleep(60)
        second = yield ctx.schedule_activity("gen_greet", [first])
        return [first, second]


@workflow.defn(name="gen_fan_out")
class FanOut:
    def run(self, ctx: WorkflowContext, names: list[str]) -> Generator[Any, Any, list[str]]:
        greetings: list[str] = yield [ctx.schedule_activity("gen_greet", [n]) for n in names]
        return greetings


@workflow.defn(name="gen_parent")
class Parent:
    def run(self, ctx: WorkflowContext, name: str) -> Generator[Any, Any, dict[str, Any]]:
        child = yield ctx.start_child_workflow("gen_greeter", [name])
        return {"child": child}


@workflow.defn(name="gen_collector")
class Collector:
    def __init__(self) -> None:
        self.items: list[str] = []

    @workflow.signal("add")
    def add(self, item: str) -> None:
        self.items.append(item)

    @workflow.query("count")
    def count(self) -> int:
        return len(self.items)

    def run(self, ctx: WorkflowContext, wanted: int) -> Generator[Any, Any, list[str]]:
        yield ctx.wait_condition(lambda: len(self.items) >= wanted)
        return self.items


@workflow.defn(name="gen_waiter")
class Waiter:
    def __init__(self) -> None:
        self.go: dict[str, Any] | None = None

    @workflow.signal("go")
    def on_go(self, who: str, how_many: int) -> None:
        self.go = {"who": who, "how_many": how_many}

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, dict[str, Any] | None]:
        yield ctx.wait_condition(lambda: self.go is not None)
        return self.go


@workflow.defn(name="gen_counter")
class Counter:
    def __init__(self) -> None:
        self.total = 0
        self.finished = False

    @workflow.update("increment")
    def increment(self, by: int) -> int:
        self.total += by
        return self.total

    @workflow.signal("finish")
    def finish(self) -> None:
        self.finished = True

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, int]:
        yield ctx.wait_condition(lambda: self.finished)
        return self.total


@workflow.defn(name="gen_countdown")
class Countdown:
    def run(self, ctx: WorkflowContext, n: int, seen: list[int]) -> Generator[Any, Any, Any]:
        if n == 0:
            return seen
        yield ctx.sleep(1)
        return ctx.continue_as_new(n - 1, [*seen, n])


@workflow.defn(name="gen_retrying")
class Retrying:
    def run(self, ctx: WorkflowContext, label: str) -> Generator[Any, Any, str]:
        policy = ActivityRetryPolicy(max_attempts=3, initial_interval_seconds=1)
        result: str = yield ctx.schedule_activity("gen_flaky", [label], retry_policy=policy)
        return result


@workflow.defn(name="gen_refusing")
class Refusing:
    def run(self, ctx: WorkflowContext, reason: str) -> Generator[Any, Any, str]:
        policy = ActivityRetryPolicy(max_attempts=5, initial_interval_seconds=1)
        result: str = yield ctx.schedule_activity("gen_refuse", [reason], retry_policy=policy)
        return result


@workflow.defn(name="gen_sleeper")
class Sleeper:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, str]:
        yield ctx.sleep(3600)
        return "woke"


WORKFLOWS = [
    Greeter,
    Chain,
    FanOut,
    Parent,
    Collector,
    Waiter,
    Counter,
    Countdown,
    Retrying,
    Refusing,
    Sleeper,
]

# ----------------------------------------------------------------------------------------- scenarios

Scenario = Callable[[Rig], Awaitable[list[WorkflowHandle[Any]]]]


async def greeter(rig: Rig) -> list[WorkflowHandle[Any]]:
    handle = await rig.start("gen_greeter", "Ada")
    assert await handle.result(timeout=20) == "Hello, Ada!"
    return [handle]


async def chain_with_timer(rig: Rig) -> list[WorkflowHandle[Any]]:
    handle = await rig.start("gen_chain", "Bo")
    assert await handle.result(timeout=20) == ["Hello, Bo!", "Hello, Hello, Bo!!"]
    return [handle]


async def fan_out(rig: Rig) -> list[WorkflowHandle[Any]]:
    handle = await rig.start("gen_fan_out", ["a", "b", "c"])
    assert await handle.result(timeout=20) == ["Hello, a!", "Hello, b!", "Hello, c!"]
    return [handle]


async def child(rig: Rig) -> list[WorkflowHandle[Any]]:
    handle = await rig.start("gen_parent", "Cy")
    assert await handle.result(timeout=20) == {"child": "Hello, Cy!"}
    children = await rig.client.list_workflows(workflow_type="gen_greeter")
    child_ids = [e.workflow_id for e in children.executions]
    return [handle, *(rig.client.get_workflow_handle(w) for w in child_ids)]


async def signal_query_condition(rig: Rig) -> list[WorkflowHandle[Any]]:
    handle = await rig.start("gen_collector", 2)
    await handle.signal("add", ["first"])
    await rig.env.wait_idle()
    assert await handle.query("count") == 1
    await handle.signal("add", ["second"])
    assert await handle.result(timeout=20) == ["first", "second"]
    return [handle]


async def signal_wait(rig: Rig) -> list[WorkflowHandle[Any]]:
    handle = await rig.start("gen_waiter")
    await rig.env.wait_idle()
    await handle.signal("go", ["Di", 3])
    assert await handle.result(timeout=20) == {"who": "Di", "how_many": 3}
    return [handle]


async def update(rig: Rig) -> list[WorkflowHandle[Any]]:
    handle = await rig.start("gen_counter")
    first = await handle.update("increment", [2])
    second = await handle.update("increment", [5])
    assert (first.result, second.result) == (2, 7)
    await handle.signal("finish")  # no arguments: the server makes the [] payload itself
    assert await handle.result(timeout=20) == 7
    return [handle]


async def continue_as_new(rig: Rig) -> list[WorkflowHandle[Any]]:
    handle = await rig.start("gen_countdown", 3, [])
    assert await handle.result(timeout=20) == [3, 2, 1]
    return [handle]


async def activity_retry(rig: Rig) -> list[WorkflowHandle[Any]]:
    handle = await rig.start("gen_retrying", "flaky")
    assert await handle.result(timeout=20) == "flaky ok after 3 attempts"
    return [handle]


async def non_retryable_failure(rig: Rig) -> list[WorkflowHandle[Any]]:
    handle = await rig.start("gen_refusing", "card declined")
    with pytest.raises(WorkflowFailed, match="card declined"):
        await handle.result(timeout=20)
    return [handle]


async def cancel(rig: Rig) -> list[WorkflowHandle[Any]]:
    handle = await rig.start("gen_sleeper")
    await rig.env.wait_idle()
    await handle.cancel("no longer needed")
    with pytest.raises(WorkflowCancelled):
        await handle.result(timeout=20)
    return [handle]


async def terminate(rig: Rig) -> list[WorkflowHandle[Any]]:
    handle = await rig.start("gen_sleeper")
    await rig.env.wait_idle()
    await handle.terminate("operator stop")
    with pytest.raises(WorkflowTerminated):
        await handle.result(timeout=20)
    return [handle]


async def list_workflows(rig: Rig) -> list[WorkflowHandle[Any]]:
    done = await rig.start("gen_greeter", "Ed", prefix="listed")
    await done.result(timeout=20)
    waiting = await rig.start("gen_sleeper", prefix="listed")
    listed = await rig.client.list_workflows(workflow_type="gen_greeter", status="completed")
    assert [(e.workflow_id, e.status) for e in listed.executions] == [(done.workflow_id, "completed")]
    described = await done.describe()
    assert (described.input, described.output) == (["Ed"], "Hello, Ed!")
    running = await rig.client.list_workflows(workflow_type="gen_sleeper", status="running")
    assert [e.workflow_id for e in running.executions] == [waiting.workflow_id]
    return [done]


async def schedules(rig: Rig) -> list[WorkflowHandle[Any]]:
    action = ScheduleAction(workflow_type="gen_greeter", task_queue=QUEUE, input=["Flo"])
    schedule = await rig.client.create_schedule(
        rig.wid("sched"), spec=ScheduleSpec(intervals=[timedelta(hours=1)]), action=action
    )
    assert (await schedule.describe()).action.input == ["Flo"]
    fired = await schedule.trigger()
    assert fired.outcome == "triggered" and fired.workflow_id
    handle = rig.client.get_workflow_handle(fired.workflow_id)
    assert await handle.result(timeout=20) == "Hello, Flo!"
    await schedule.delete()
    return [handle]


SCENARIOS: dict[str, Scenario] = {
    "greeter": greeter,
    "chain_with_timer": chain_with_timer,
    "fan_out": fan_out,
    "child": child,
    "signal_query_condition_wait": signal_query_condition,
    "signal_wait": signal_wait,
    "update": update,
    "continue_as_new": continue_as_new,
    "activity_retry": activity_retry,
    "non_retryable_failure": non_retryable_failure,
    "cancel": cancel,
    "terminate": terminate,
    "list": list_workflows,
    "schedules": schedules,
}
