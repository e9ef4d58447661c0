"""The product documentation's examples, nearly verbatim, against the embedded dev server.

Each test follows one section of the product docs (shared/python-sdk-docs.txt); where the docs
leave a name undefined (an activity implementation, a server address) the test supplies it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from durable_workflow import (
    ActivityRetryPolicy,
    ChildWorkflowRetryPolicy,
    Client,
    ContinueAsNew,
    InMemoryMetrics,
    NonRetryableError,
    PrometheusMetrics,
    ScheduleAction,
    ScheduleSpec,
    Worker,
    WorkflowAlreadyStarted,
    WorkflowFailed,
    activity,
    workflow,
)
from durable_workflow.server import DevServer


@activity.defn(name="validate_order")
async def validate_order(order: dict) -> dict:  # type: ignore[type-arg]
    return {**order, "valid": True}


@activity.defn(name="process_payment")
async def process_payment(validated: dict) -> dict:  # type: ignore[type-arg]
    return {"receipt": f"r-{validated['id']}", "charged": validated["amount"]}


@workflow.defn(name="order-processing")
class OrderWorkflow:
    def run(self, ctx, *args):  # type: ignore[no-untyped-def]
        order = args[0] if args else {}
        # Schedule an activity and wait for the result
        validated = yield ctx.schedule_activity("validate_order", [order])
        # Start a timer (durable sleep)
        yield ctx.start_timer(seconds=1)
        receipt = yield ctx.schedule_activity(
            "process_payment",
            [validated],
            retry_policy=ActivityRetryPolicy(
                max_attempts=4,
                initial_interval_seconds=1,
                backoff_coefficient=2,
                maximum_interval_seconds=30,
                non_retryable_error_types=["ValidationError"],
            ),
            start_to_close_timeout=120,
            schedule_to_close_timeout=300,
            heartbeat_timeout=15,
        )
        return receipt


@activity.defn(name="process_item")
async def process_item(item: int) -> int:
    await asyncio.sleep(0.05 * (3 - item))  # later items finish first
    return item * 10


@workflow.defn(name="fan-out-example")
class FanOutWorkflow:
    def run(self, ctx, *args):  # type: ignore[no-untyped-def]
        items = args[0]
        # Schedule all activities at once
        results = yield [ctx.schedule_activity("process_item", [item]) for item in items]
        return results  # list of results in the same order


@workflow.defn(name="child-workflow-type")
class ChildWorkflow:
    def run(self, ctx, data):  # type: ignore[no-untyped-def]
        yield ctx.start_timer(0)
        return {"child_saw": data}


@workflow.defn(name="parent")
class ParentWorkflow:
    def run(self, ctx):  # type: ignore[no-untyped-def]
        result = yield ctx.start_child_workflow(
            "child-workflow-type",
            [{"input": "data"}],
            task_queue="default",
            parent_close_policy="terminate",
            retry_policy=ChildWorkflowRetryPolicy(
                max_attempts=3,
                initial_interval_seconds=2,
                backoff_coefficient=2,
                non_retryable_error_types=["ValidationError"],
            ),
            execution_timeout_seconds=600,
            run_timeout_seconds=120,
        )
        return result


@activity.defn(name="poll_source")
async def poll_source() -> dict:  # type: ignore[type-arg]
    return {"done": False}


@workflow.defn(name="polling-workflow")
class PollingWorkflow:
    def run(self, ctx, *args):  # type: ignore[no-untyped-def]
        iteration = args[0] if args else 0
        result = yield ctx.schedule_activity("poll_source", [])
        if result.get("done") or iteration >= 2:
            return {"iterations": iteration}
        # Continue with incremented iteration
        return ContinueAsNew(arguments=[iteration + 1])


@activity.defn(name="validate")
async def validate(data: dict) -> dict:  # type: ignore[type-arg]
    if "required_field" not in data:
        raise NonRetryableError("Missing required_field")
    return data


@workflow.defn(name="validating")
class ValidatingWorkflow:
    def run(self, ctx, data):  # type: ignore[no-untyped-def]
        retry = ActivityRetryPolicy(max_attempts=5, initial_interval_seconds=1)
        return (yield ctx.schedule_activity("validate", [data], retry_policy=retry))


@activity.defn(name="long_running_task")
async def long_running_task(items: list) -> dict:  # type: ignore[type-arg]
    ctx = activity.context()
    assert ctx.info.attempt_number == 1
    assert ctx.info.task_queue == "default"
    for i, _item in enumerate(items):
        if ctx.is_cancelled:
            return {"partial": True, "processed": i}
        await ctx.heartbeat({"progress": i + 1, "total": len(items)})
    return {"processed": len(items)}


@workflow.defn(name="long")
class LongWorkflow:
    def run(self, ctx, items):  # type: ignore[no-untyped-def]
        return (yield ctx.schedule_activity("long_running_task", [items], heartbeat_timeout=15))


ALL_WORKFLOWS = [
    OrderWorkflow,
    FanOutWorkflow,
    ChildWorkflow,
    ParentWorkflow,
    PollingWorkflow,
    ValidatingWorkflow,
    LongWorkflow,
]
ALL_ACTIVITIES: list[Callable[..., Any]] = [
    validate_order,
    process_payment,
    process_item,
    poll_source,
    validate,
    long_running_task,
]


async def run_to_end(client: Client, workflow_type: str, workflow_id: str, args: list[Any]) -> Any:
    handle = await client.start_workflow(
        workflow_type=workflow_type, task_queue="default", workflow_id=workflow_id, input=args
    )
    worker = Worker(client, task_queue="default", workflows=ALL_WORKFLOWS, activities=ALL_ACTIVITIES)
    await worker.run_until(workflow_id=workflow_id, timeout=30.0)
    return await handle.result(timeout=10.0)


async def test_defining_workflows_timer_and_retry_options(client: Client) -> None:
    receipt = await run_to_end(client, "order-processing", "order-1", [{"id": 7, "amount": 12.5}])
    assert receipt == {"receipt": "r-7", "charged": 12.5}


async def test_fan_out_results_keep_yielded_order(client: Client) -> None:
    assert await run_to_end(client, "fan-out-example", "fan-1", [[0, 1, 2]]) == [0, 10, 20]


async def test_child_workflows(client: Client) -> None:
    assert await run_to_end(client, "parent", "parent-1", []) == {"child_saw": {"input": "data"}}


async def test_continue_as_new(client: Client) -> None:
    assert await run_to_end(client, "polling-workflow", "poll-1", [0]) == {"iterations": 2}
    runs = await client.list_workflows(workflow_type="polling-workflow")
    assert len({e.run_id for e in runs.executions}) == 3


async def test_non_retryable_error_fails_without_retries(client: Client) -> None:
    with pytest.raises(WorkflowFailed) as info:
        await run_to_end(client, "validating", "validate-1", [{}])
    assert "Missing required_field" in info.value.message
    events = await client.get_workflow_handle("validate-1").history()
    assert not [e for e in events if e["event_type"] == "ActivityRetryScheduled"]


async def test_activity_context_and_heartbeat(client: Client) -> None:
    assert await run_to_end(client, "long", "long-1", [[1, 2, 3]]) == {"processed": 3}


async def test_error_handling_example(client: Client) -> None:
    await client.start_workflow(
        workflow_type="greeter", task_queue="default", workflow_id="existing-id", input=[]
    )
    try:
        handle = await client.start_workflow(
            workflow_type="greeter",
            task_queue="default",
            workflow_id="existing-id",
            input=["world"],
        )
    except WorkflowAlreadyStarted:
        handle = client.get_workflow_handle("existing-id")
    assert (await handle.describe()).workflow_id == "existing-id"


async def test_metrics_section(dev_server: DevServer) -> None:
    metrics = InMemoryMetrics()
    transport = dev_server.asgi_transport()
    async with Client(dev_server.base_url, token="secret", metrics=metrics, transport=transport) as client:
        worker = Worker(client, task_queue="default", workflows=ALL_WORKFLOWS, activities=ALL_ACTIVITIES)
        await client.start_workflow("fan-out-example", "default", "metered-1", [[1]])
        await worker.run_until(workflow_id="metered-1", timeout=30.0)
    assert metrics.counter("durable_workflow_client_requests") > 0
    assert metrics.counter("durable_workflow_worker_tasks", None) >= 2
    for tags in metrics.tag_sets("durable_workflow_worker_tasks"):
        assert set(tags) == {"task_kind", "task_queue", "outcome"}


async def test_prometheus_metrics_receive_client_and_worker_series(dev_server: DevServer) -> None:
    registry = CollectorRegistry()
    transport = dev_server.asgi_transport()
    metrics = PrometheusMetrics(registry)
    async with Client(dev_server.base_url, metrics=metrics, transport=transport) as client:
        worker = Worker(client, task_queue="default", workflows=ALL_WORKFLOWS, activities=ALL_ACTIVITIES)
        await client.start_workflow("fan-out-example", "default", "prom-1", [[1]])
        await worker.run_until(workflow_id="prom-1", timeout=30.0)
    completed = registry.get_sample_value(
        "durable_workflow_worker_tasks_total",
        {"task_kind": "activity", "task_queue": "default", "outcome": "completed"},
    )
    assert completed == 1.0
    started = registry.get_sample_value(
        "durable_workflow_client_requests_total",
        {"method": "POST", "route": "/workflows", "plane": "control", "status_code": "201", "outcome": "ok"},
    )
    assert started == 1.0


async def test_schedules_section(client: Client) -> None:
    handle = await client.create_schedule(
        schedule_id="hourly-report",
        spec=ScheduleSpec(cron_expressions=["0 * * * *"]),
        action=ScheduleAction(
            workflow_type="generate-report",
            task_queue="default",
            input=[{"format": "pdf"}],
        ),
        overlap_policy="skip",
        jitter_seconds=30,
    )
    schedule_list = await client.list_schedules()
    assert [s.schedule_id for s in schedule_list.schedules] == ["hourly-report"]
    desc = await handle.describe()
    assert desc.next_fire_at is not None
    assert desc.fires_count == 0
    await handle.pause(note="maintenance window")
    await handle.resume(note="maintenance complete")
    result = await handle.trigger()
    assert result.workflow_id
    backfill = await handle.backfill(start_time="2024-01-01T00:00:00Z", end_time="2024-01-02T00:00:00Z")
    assert backfill.fires_attempted == 24
    await handle.update(
        spec=ScheduleSpec(cron_expressions=["*/30 * * * *"]), note="Changed to every 30 minutes"
    )
    await handle.delete()
    assert (await client.list_schedules()).schedules == []
