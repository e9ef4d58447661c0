"""Type-checked only (mypy strict): what the schedule API must infer, and what it must reject."""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from typing_extensions import assert_type

from durable_workflow import sync, workflow
from durable_workflow.client import Client
from durable_workflow.client._schedule_models import (
    ScheduleAction,
    ScheduleBackfillResult,
    ScheduleDescription,
    ScheduleHistory,
    ScheduleList,
    ScheduleSpec,
    ScheduleTriggerResult,
)
from durable_workflow.client._schedules import ScheduleHandle
from durable_workflow.workflow import WorkflowContext


class Order(BaseModel):
    order_id: str


@workflow.defn(name="nightly")
class NightlyWorkflow:
    def run(self, ctx: WorkflowContext, order: Order, dry_run: bool = False) -> Generator[Any, Any, str]:
        yield ctx.start_timer(1)
        return order.order_id


async def typed_actions(client: Client) -> None:
    builder = ScheduleAction.for_workflow(NightlyWorkflow, task_queue="q")
    action = builder.with_args(Order(order_id="o"), dry_run=True)
    assert_type(action, ScheduleAction)
    handle = await client.create_schedule("s", spec=ScheduleSpec(cron_expressions=["@daily"]), action=action)
    assert_type(handle, ScheduleHandle)

    builder.with_args("not an order")  # type: ignore[arg-type]
    builder.with_args(Order(order_id="o"), dry_run="yes")  # type: ignore[arg-type]
    builder.with_args()  # type: ignore[call-arg]


async def handle_results(handle: ScheduleHandle) -> None:
    desc = await handle.describe()
    assert_type(desc, ScheduleDescription)
    assert_type(desc.next_fire_at, datetime | None)
    assert_type(desc.fires_count, int)
    assert_type(await handle.trigger(), ScheduleTriggerResult)
    assert_type(await handle.backfill("2026-01-01T00:00:00Z", datetime(2026, 1, 2)), ScheduleBackfillResult)
    assert_type(await handle.history(limit=5), ScheduleHistory)
    await handle.update(overlap_policy="sometimes")  # type: ignore[arg-type]


async def listing(client: Client) -> None:
    assert_type(await client.list_schedules(status="active"), ScheduleList)


def sync_surface(client: sync.Client) -> None:
    handle = client.create_schedule(
        "s", spec=ScheduleSpec(cron_expressions=["@hourly"]), action=ScheduleAction("w")
    )
    assert_type(handle, sync.ScheduleHandle)
    assert_type(handle.describe(), ScheduleDescription)
    assert_type(client.list_schedules(), ScheduleList)
    assert_type(handle.trigger(), ScheduleTriggerResult)
