"""The worker end to end against the embedded dev server: each context operation and handler kind."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import pytest

from durable_workflow import ActivityRetryPolicy, ChildWorkflowRetryPolicy, activity, workflow
from durable_workflow.errors import (
    ActivityFailed,
    ChildWorkflowFailed,
    NonRetryableError,
    UpdateRejected,
    WorkflowFailed,
)
from durable_workflow.workflow import WorkflowContext
from tests.worker._harness import assert_replays, running


@activity.defn(name="greet")
async def greet(name: str) -> dict[str, Any]:
    return {"greeting": f"Hello, {name}!", "length": len(name)}


@workflow.defn(name="greeter")
class Greeter:
    def run(self, ctx: WorkflowContext, *args: Any) -> Generator[Any, Any, Any]:
        result = yield ctx.schedule_activity("greet", list(args))
        return result


async def test_greeter_quickstart() -> None:
    async with running([Greeter], [greet]) as env:
        assert await env.run("greeter", "world") == {"greeting": "Hello, world!", "length": 5}


@dataclass
class Order:
    order_id: str
    cents: int


@dataclass
class Receipt:
    order_id: str
    charged: int
    attempt: int


@activity.defn(name="charge")
async def charge(order: Order) -> Receipt:
    assert isinstance(order, Order)
    info = activity.context().info
    return Receipt(order.order_id, order.cents, info.attempt_number)


@activity.defn(name="label")
def label(order: Order, prefix: str) -> str:  # sync: runs in the thread pool
    activity.context().heartbeat_sync({"step": 1})
    return f"{prefix}-{order.order_id}"


@workflow.defn(name="typed-order")
class TypedOrder:
    def run(self, ctx: WorkflowContext, order: Order) -> Generator[Any, Any, dict[str, Any]]:
        receipt = yield from ctx.activity(charge, start_to_close_timeout=30)(order)
        name = yield from ctx.activity(label)(order, prefix="L")
        return {"receipt_is_typed": isinstance(receipt, Receipt), "charged": receipt.charged, "label": name}


async def test_typed_activities_rebuild_dataclasses_both_ways() -> None:
    async with running([TypedOrder], [charge, label]) as env:
        result = await env.run("typed-order", Order("o-1", 250))
    assert result == {"receipt_is_typed": True, "charged": 250, "label": "L-o-1"}


@activity.defn(name="php_style")
async def php_style(payload, *rest):  # type: ignore[no-untyped-def]
    return {"echo": payload, "rest": list(rest), "type": type(payload).__name__}


@workflow.defn(name="php-style")
class PhpStyle:
    def run(self, ctx, *args):  # type: ignore[no-untyped-def]
        first = yield ctx.schedule_activity("php_style", [args[0], 1, "x"])
        return {"args": list(args), "activity": first}


async def test_plain_dict_workflow_and_activity() -> None:
    payload = {"order": {"id": 7, "items": [1, 2]}, "note": None}
    async with running([PhpStyle], [php_style]) as env:
        result = await env.run("php-style", payload, [1, 2])
    assert result == {
        "args": [payload, [1, 2]],
        "activity": {"echo": payload, "rest": [1, "x"], "type": "dict"},
    }


@activity.defn(name="sleepy")
async def sleepy(name: str, seconds: float) -> str:
    await asyncio.sleep(seconds)
    return name


@workflow.defn(name="fan-out")
class FanOut:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        listed = yield [
            ctx.schedule_activity("sleepy", [n, d]) for n, d in (("a", 0.6), ("b", 0.3), ("c", 0.0))
        ]
        gathered = yield from ctx.gather(ctx.activity(sleepy)("x", 0.4), ctx.activity(sleepy)("y", 0.0))
        return {"listed": listed, "gathered": list(gathered)}


async def test_fan_out_results_keep_yielded_order_when_members_finish_out_of_order() -> None:
    async with running([FanOut], [sleepy]) as env:
        handle = await env.start("fan-out")
        result = await handle.result(timeout=20)
        await assert_replays(handle, FanOut)
    assert result == {"listed": ["a", "b", "c"], "gathered": ["x", "y"]}


release = asyncio.Event()


@activity.defn(name="blocked")
async def blocked() -> str:
    await asyncio.wait_for(release.wait(), 10)
    return "released"


@workflow.defn(name="signal-during-activity")
class SignalDuringActivity:
    def __init__(self) -> None:
        self.notes: list[str] = []

    @workflow.signal("note")
    def note(self, text: str) -> None:
        self.notes.append(text)

    @workflow.query("notes")
    def get_notes(self) -> list[str]:
        return self.notes

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        outcome = yield ctx.schedule_activity("blocked", [])
        return {"activity": outcome, "notes": self.notes}


async def test_signal_arriving_while_an_activity_runs() -> None:
    release.clear()
    async with running([SignalDuringActivity], [blocked]) as env:
        handle = await env.start("signal-during-activity")
        await asyncio.sleep(0.3)
        await handle.signal("note", ["during"])
        assert await handle.query("notes") == ["during"]
        release.set()
        assert await handle.result(timeout=10) == {"activity": "released", "notes": ["during"]}
        history = await handle.history()
        await assert_replays(handle, SignalDuringActivity)
    assert [e["event_type"] for e in history].count("ActivityScheduled") == 1


@workflow.defn(name="approval")
class Approval:
    def __init__(self) -> None:
        self.approvers: list[str] = []

    @workflow.signal("approve")
    def approve(self, by: str) -> None:
        self.approvers.append(by)

    @workflow.query("approvers")
    def get_approvers(self) -> list[str]:
        return self.approvers

    def _check_amount(self, amount: int) -> None:
        if amount <= 0:
            raise ValueError("amount must be positive")

    @workflow.update("bump", validator=_check_amount)
    def bump(self, amount: int) -> int:
        self.approvers.append(f"bump:{amount}")
        return len(self.approvers)

    def run(self, ctx: WorkflowContext, needed: int, timeout: int) -> Generator[Any, Any, Any]:
        ok = yield ctx.wait_condition(lambda: len(self.approvers) >= needed, timeout=timeout, key="approvals")
        return {"ok": ok, "approvers": self.approvers}


async def test_condition_wait_satisfied_by_signals_and_updates() -> None:
    async with running([Approval]) as env:
        handle = await env.start("approval", 3, 30)
        await asyncio.sleep(0.3)
        await handle.signal("approve", ["ann"])
        await asyncio.sleep(0.3)
        assert await handle.query("approvers") == ["ann"]
        with pytest.raises(UpdateRejected):
            await handle.update("bump", [-1])
        accepted = await handle.update("bump", [5])
        assert accepted.result == 2
        await handle.signal("approve", ["bob"])
        assert await handle.result(timeout=10) == {"ok": True, "approvers": ["ann", "bump:5", "bob"]}
        await assert_replays(handle, Approval, 3, 30)


async def test_condition_wait_times_out() -> None:
    async with running([Approval]) as env:
        assert await env.run("approval", 1, 1) == {"ok": False, "approvers": []}


attempts: dict[str, int] = {}


@activity.defn(name="flaky")
async def flaky(key: str, fail_times: int, non_retryable: bool) -> int:
    attempts[key] = attempts.get(key, 0) + 1
    if attempts[key] <= fail_times:
        if non_retryable:
            raise NonRetryableError("permanent", details={"key": key})
        raise RuntimeError(f"transient {attempts[key]}")
    return activity.context().info.attempt_number


@workflow.defn(name="retrying")
class Retrying:
    def run(
        self, ctx: WorkflowContext, key: str, fail_times: int, non_retryable: bool
    ) -> Generator[Any, Any, Any]:
        policy = ActivityRetryPolicy(max_attempts=3, initial_interval_seconds=0, backoff_coefficient=1)
        try:
            attempt = yield ctx.schedule_activity(
                "flaky", [key, fail_times, non_retryable], retry_policy=policy
            )
        except ActivityFailed as exc:
            return {"failed": exc.message, "type": exc.exception_type, "non_retryable": exc.non_retryable}
        return {"attempt": attempt}


async def test_activity_retry_policy_and_non_retryable_errors() -> None:
    async with running([Retrying], [flaky]) as env:
        assert await env.run("retrying", "two-failures", 2, False) == {"attempt": 3}
        assert await env.run("retrying", "always", 5, False) == {
            "failed": "transient 3",
            "type": "RuntimeError",
            "non_retryable": False,
        }
        result = await env.run("retrying", "permanent", 5, True)
    assert result["failed"] == "permanent" and result["type"] == "NonRetryableError"
    assert attempts["permanent"] == 1


@workflow.defn(name="timeout")
class Timeout:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        try:
            yield ctx.schedule_activity("sleepy", ["late", 5], start_to_close_timeout=1)
        except ActivityFailed as exc:
            return {"timed_out": exc.timed_out}
        return "finished"


async def test_start_to_close_timeout_fails_the_activity() -> None:
    async with running([Timeout], [sleepy], shutdown_timeout=0.1) as env:
        assert await env.run("timeout", timeout=15) == {"timed_out": True}


@workflow.defn(name="child")
class Child:
    def run(self, ctx: WorkflowContext, name: str, times: int) -> Generator[Any, Any, list[str]]:
        if times < 0:
            raise ValueError("negative")
        yield ctx.sleep(0)
        return [name] * times


@workflow.defn(name="parent")
class Parent:
    def run(self, ctx: WorkflowContext, times: int) -> Generator[Any, Any, Any]:
        names = yield from ctx.child(Child, parent_close_policy="terminate")("Ada", times=times)
        untyped = yield ctx.start_child_workflow("child", ["Bo", 1])
        try:
            yield ctx.start_child_workflow("child", ["Cy", -1])
        except ChildWorkflowFailed as exc:
            return {"names": names, "untyped": untyped, "failed": exc.status}
        return None


async def test_child_workflows() -> None:
    async with running([Parent, Child]) as env:
        handle = await env.start("parent", 2)
        assert await handle.result(timeout=20) == {
            "names": ["Ada", "Ada"],
            "untyped": ["Bo"],
            "failed": "failed",
        }
        await assert_replays(handle, Parent, 2)


@workflow.defn(name="counter")
class Counter:
    def run(self, ctx: WorkflowContext, n: int, total: int) -> Generator[Any, Any, Any]:
        yield ctx.sleep(0)
        if n > 0:
            return ctx.continue_as_new(n - 1, total + n)
        return {"total": total, "run": ctx.info.run_id != ""}


async def test_continue_as_new() -> None:
    async with running([Counter]) as env:
        assert await env.run("counter", 3, 0) == {"total": 6, "run": True}


@workflow.defn(name="deterministic-tools")
class Tools:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        started = ctx.now()
        rolled = yield ctx.side_effect(lambda: 4)
        version = yield ctx.get_version("change-1", 1, 2)
        yield ctx.upsert_search_attributes({"Stage": "slept"})
        yield ctx.sleep(1)
        return {
            "rolled": rolled,
            "version": version,
            "slept_in_history": (ctx.now() - started).total_seconds() >= 1,
            "uuid": len(str(ctx.uuid4())),
            "random": 0 <= ctx.random().random() < 1,
        }


async def test_side_effect_version_upsert_timer_now_uuid() -> None:
    async with running([Tools]) as env:
        began = time.monotonic()
        handle = await env.start("deterministic-tools")
        result = await handle.result(timeout=20)
        await assert_replays(handle, Tools)
    assert time.monotonic() - began >= 1
    assert result == {"rolled": 4, "version": 2, "slept_in_history": True, "uuid": 36, "random": True}


@workflow.defn(name="failing")
class Failing:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        yield ctx.sleep(0)
        raise KeyError("missing thing")


async def test_uncaught_exception_fails_the_workflow() -> None:
    async with running([Failing]) as env:
        with pytest.raises(WorkflowFailed) as info:
            await env.run("failing")
    assert "missing thing" in info.value.message


@workflow.defn(name="many-steps")
class ManySteps:
    def __init__(self) -> None:
        self.pings = 0

    @workflow.signal("ping")
    def ping(self) -> None:
        self.pings += 1

    def run(self, ctx: WorkflowContext, steps: int) -> Generator[Any, Any, Any]:
        total = 0
        for i in range(steps):
            total += (yield from ctx.activity(sleepy)(str(i), 0)) == str(i)
        yield ctx.wait_condition(lambda: self.pings >= 2)
        return {"total": total, "pings": self.pings}


async def test_consecutive_tasks_resume_the_cached_instance() -> None:
    async with running([ManySteps], [sleepy]) as env:
        handle = await env.start("many-steps", 5)
        while (await handle.describe()).wait_kind != "condition":
            await asyncio.sleep(0.05)
        await handle.signal("ping")
        await asyncio.sleep(0.3)
        await handle.signal("ping")
        assert await handle.result(timeout=10) == {"total": 5, "pings": 2}
        await assert_replays(handle, ManySteps, 5)
        cache = env.worker.cache
    assert cache.resumed >= 6 and cache.replayed == 0


@activity.defn(name="silent")
async def silent(seconds: float) -> str:
    await asyncio.sleep(seconds)  # never heartbeats
    return "finished"


@workflow.defn(name="timeouts")
class Timeouts:
    def run(self, ctx: WorkflowContext, activity_type: str, option: str) -> Generator[Any, Any, Any]:
        try:
            options: dict[str, Any] = {option: 1}
            yield ctx.schedule_activity(activity_type, [5], **options)
        except ActivityFailed as exc:
            return {"timed_out": exc.timed_out, "type": exc.exception_type}
        return "finished"


@pytest.mark.parametrize(
    ("activity_type", "option"),
    [
        ("silent", "heartbeat_timeout"),
        ("silent", "schedule_to_close_timeout"),
        ("nobody_runs_this", "schedule_to_start_timeout"),
    ],
)
async def test_activity_timeouts(activity_type: str, option: str) -> None:
    async with running([Timeouts], [silent], shutdown_timeout=0.1) as env:
        result = await env.run("timeouts", activity_type, option, timeout=15)
    assert result["timed_out"] is True


first_runs: dict[str, str] = {}


@workflow.defn(name="flaky-child")
class FlakyChild:
    def run(self, ctx: WorkflowContext, key: str) -> Generator[Any, Any, Any]:
        yield ctx.sleep(0)
        if first_runs.setdefault(key, ctx.info.run_id) == ctx.info.run_id:
            raise RuntimeError("first run fails")
        return "second run succeeded"


@workflow.defn(name="retrying-parent")
class RetryingParent:
    def run(self, ctx: WorkflowContext, attempts: int) -> Generator[Any, Any, Any]:
        try:
            return (
                yield ctx.start_child_workflow(
                    "flaky-child",
                    [f"key-{attempts}"],
                    retry_policy=ChildWorkflowRetryPolicy(max_attempts=attempts, initial_interval_seconds=0),
                    execution_timeout_seconds=60,
                    run_timeout_seconds=30,
                )
            )
        except ChildWorkflowFailed as exc:
            return {"failed": exc.status}


async def test_child_workflow_retry_policy() -> None:
    first_runs.clear()
    async with running([RetryingParent, FlakyChild]) as env:
        assert await env.run("retrying-parent", 2) == "second run succeeded"
        assert await env.run("retrying-parent", 1) == {"failed": "failed"}
